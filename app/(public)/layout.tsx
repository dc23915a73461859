import { Box, Card, Flex, Text } from "@radix-ui/themes";
import type { ReactNode } from "react";

/** The frame of the pages people see before signing in: one card in the middle of the page. */
export default function PublicLayout({ children }: { children: ReactNode }) {
  return (
    <Flex asChild direction="column" align="center" justify="center" gap="4" minHeight="100vh" p="4">
      <main>
        <Text size="4" weight="bold" as="p">
          User console
        </Text>
        <Box width="100%" maxWidth="420px">
          <Card size="3">{children}</Card>
        </Box>
      </main>
    </Flex>
  );
}
