import { Button, Card, Flex, Heading, Text } from "@radix-ui/themes";
import type { Metadata } from "next";
import Link from "next/link";

export const metadata: Metadata = { title: "No access" };

/**
 * What `forbidden()` answers (403) when a signed-in person's role may not open a page (lib/http/page-auth.ts).
 * It says no more than that: not what the page would have shown.
 */
export default function Forbidden() {
  return (
    <Flex asChild align="center" justify="center" minHeight="100vh" p="4">
      <main>
        <Card size="4" style={{ maxWidth: 480 }}>
          <Flex direction="column" gap="3">
            <Heading as="h1" size="6">
              You do not have access to this page
            </Heading>
            <Text as="p" color="gray">
              Your role does not include this section. If you need it, ask an administrator.
            </Text>
            <Flex>
              <Button asChild>
                <Link href="/">Go to the home page</Link>
              </Button>
            </Flex>
          </Flex>
        </Card>
      </main>
    </Flex>
  );
}
