import { Card, Flex, Heading, Text } from "@radix-ui/themes";
import { ResponsiveContainer } from "recharts";

/**
 * A chart in a card: its title, the drawing (hidden from screen readers) and a one-line summary in text, which is
 * what a screen reader gets and what a reader skimming the page reads first. Hidden means out of the tab order
 * too: each chart passes `accessibilityLayer={false}`, or Recharts makes its drawing a tab stop inside the hidden
 * part (axe: aria-hidden-focus, issue 7 item 8).
 */
export function ChartCard({ title, summary, children }: { title: string; summary: string; children: React.ReactElement }) {
  return (
    <Card style={{ flex: 1, minWidth: 0 }}>
      <figure style={{ margin: 0 }}>
        <Flex direction="column" gap="2">
          <Heading as="h3" size="3">
            {title}
          </Heading>
          <div style={{ width: "100%", height: 220 }} aria-hidden="true">
            <ResponsiveContainer>{children}</ResponsiveContainer>
          </div>
          <Text asChild size="2" color="gray">
            <figcaption>{summary}</figcaption>
          </Text>
        </Flex>
      </figure>
    </Card>
  );
}
