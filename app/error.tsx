"use client";

import { Button, Card, Code, Flex, Heading, Text } from "@radix-ui/themes";
import Link from "next/link";

/**
 * What a page shows when rendering it failed on the server (issue 17): not a bare 500. In production React hides
 * the server's message (it can name hosts or SQL); the digest is what our log line for the failure carries, so
 * someone reporting it can be matched with it. A database outage that has opened the circuit breaker never gets
 * here: our server answers pages itself then (server/unavailable-page.ts).
 */
export default function PageError({ error, retry }: { error: Error & { digest?: string }; retry: () => void }) {
  return (
    <Flex asChild align="center" justify="center" minHeight="60vh" p="4">
      <section aria-labelledby="page-error-title">
        <Card size="4" style={{ maxWidth: 520 }}>
          <Flex direction="column" gap="3">
            <Heading as="h1" size="6" id="page-error-title">
              This page could not be loaded
            </Heading>
            <Text as="p" color="gray">
              Something failed on our side while preparing it. If the database is having trouble this passes by itself:
              try again in a moment.
            </Text>
            {error.digest && (
              <Text as="p" size="2" color="gray">
                Reference for a report: <Code>{error.digest}</Code>
              </Text>
            )}
            <Flex gap="3">
              <Button onClick={() => retry()}>Try again</Button>
              <Button variant="soft" color="gray" asChild>
                <Link href="/">Go to the home page</Link>
              </Button>
            </Flex>
          </Flex>
        </Card>
      </section>
    </Flex>
  );
}
