"use client";

import { Card, Flex, Heading, Text } from "@radix-ui/themes";
import dynamic from "next/dynamic";
import type { ReactNode } from "react";

import { CHART_HEIGHT } from "./chart-size";

// The drawings (./chart-drawings: SVG, d3-scale and d3-shape) are loaded once the page runs, never with its
// first-load JS (issue 23), and drawn in the browser only: their size is the card's, known there. Until they
// arrive, a card's drawing box stays empty at its final size and its title and summary are already there.
const drawings = () => import("./chart-drawings");
export const SignupsChart = dynamic(() => drawings().then((module) => module.SignupsChart), { ssr: false });
export const CountBars = dynamic(() => drawings().then((module) => module.CountBars), { ssr: false });
export const RequestsChart = dynamic(() => drawings().then((module) => module.RequestsChart), { ssr: false });
export const ErrorsChart = dynamic(() => drawings().then((module) => module.ErrorsChart), { ssr: false });

/**
 * A chart in a card: its title, the drawing (one of the above; hidden from screen readers) and a one-line summary
 * in text, which is what a screen reader gets and what a reader skimming the page reads first.
 */
export function ChartCard({ title, summary, children }: { title: string; summary: string; children: ReactNode }) {
  return (
    <Card style={{ flex: 1, minWidth: 0 }}>
      <figure style={{ margin: 0 }}>
        <Flex direction="column" gap="2">
          <Heading as="h3" size="3">
            {title}
          </Heading>
          <div style={{ width: "100%", height: CHART_HEIGHT }} aria-hidden="true">
            {children}
          </div>
          <Text asChild size="2" color="gray">
            <figcaption>{summary}</figcaption>
          </Text>
        </Flex>
      </figure>
    </Card>
  );
}
