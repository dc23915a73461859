"use client";

import { scaleBand, scaleLinear, scalePoint } from "d3-scale";
import { area, curveMonotoneX, line } from "d3-shape";
import { useLayoutEffect, useRef, useState, type ReactNode } from "react";

import { CHART_HEIGHT as HEIGHT } from "./chart-size";

/**
 * The dashboard's drawings: plain SVG from React, with d3-scale for the axes' ranges and "nice" ticks and d3-shape
 * for the areas' curves. They replaced Recharts (issue 23), whose first drawing of the dashboard's four charts
 * took 600-800 ms of the browser's main thread on these cores (a Lighthouse Total Blocking Time of 600 ms on a
 * quiet machine) and about 100 kB gzip; these take a few milliseconds. components/dashboard/chart-card.tsx still
 * loads them after the page is interactive, into a box whose size is fixed beforehand, so nothing moves when a
 * drawing arrives. The drawings are hidden from screen readers: each card's text summary says what they show.
 * Hovering a bar or a point shows its value (an SVG <title>); a count of 0 draws no bar.
 */

const TICK_FONT = 12;
const whole = new Intl.NumberFormat();
const rate = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

/** Signups per day: one bar a day, a date every two weeks on the axis. */
export function SignupsChart({ data }: { data: { label: string; count: number }[] }) {
  return (
    <Drawing margin={{ top: 8, right: 16, bottom: 24, left: 48 }}>
      {({ width, height }) => {
        const x = scaleBand<number>()
          .domain(data.map((_, index) => index))
          .range([0, width])
          .padding(0.1);
        const y = scaleLinear()
          .domain([0, Math.max(1, ...data.map((entry) => entry.count))])
          .range([height, 0])
          .nice();
        return (
          <>
            <ValueAxis scale={y} length={width} side="left" format={(value) => (Number.isInteger(value) ? whole.format(value) : "")} />
            <LabelAxis
              labels={data.map((entry, index) => ({ label: entry.label, at: x(index)! + x.bandwidth() / 2 }))}
              every={14}
              offset={height}
              side="bottom"
            />
            {data.map(({ label, count }, index) =>
              count === 0 ? null : (
                <rect
                  key={index}
                  className="chart-bar"
                  x={x(index)}
                  y={y(count)}
                  width={x.bandwidth()}
                  height={height - y(count)}
                  style={{ fill: "var(--accent-9)" }}
                >
                  <title>{`${label}: ${whole.format(count)} signups`}</title>
                </rect>
              ),
            )}
          </>
        );
      }}
    </Drawing>
  );
}

/** Users per status or per role: one horizontal bar each, in the colour the users table's badge has. */
export function CountBars({ entries, colors }: { entries: { label: string; count: number }[]; colors: Record<string, string> }) {
  return (
    <Drawing margin={{ top: 8, right: 24, bottom: 24, left: 80 }}>
      {({ width, height }) => {
        const y = scaleBand<string>()
          .domain(entries.map((entry) => entry.label))
          .range([0, height])
          .padding(0.25);
        const x = scaleLinear()
          .domain([0, Math.max(1, ...entries.map((entry) => entry.count))])
          .range([0, width])
          .nice();
        return (
          <>
            <ValueAxis scale={x} length={height} side="bottom" format={(value) => (Number.isInteger(value) ? whole.format(value) : "")} />
            <LabelAxis labels={entries.map((entry) => ({ label: entry.label, at: y(entry.label)! + y.bandwidth() / 2 }))} every={1} offset={0} side="left" />
            {entries.map(({ label, count }) =>
              count === 0 ? null : (
                <rect
                  key={label}
                  className="chart-bar"
                  x={0}
                  y={y(label)}
                  width={x(count)}
                  height={y.bandwidth()}
                  style={{ fill: colors[label] ?? "var(--accent-9)" }}
                >
                  <title>{`${label}: ${whole.format(count)} users`}</title>
                </rect>
              ),
            )}
          </>
        );
      }}
    </Drawing>
  );
}

export interface TrafficPoint {
  label: string;
  requestsPerSecond: number;
  errorPercent: number | null;
}

/** Requests per second per minute over the last hour. */
export function RequestsChart({ points }: { points: TrafficPoint[] }) {
  const values = points.map((point) => ({ label: point.label, value: point.requestsPerSecond }));
  return <AreaDrawing points={values} color="var(--accent-9)" fill="var(--accent-a4)" unit="/s" format={(value) => rate.format(value)} />;
}

/** The share of requests answered 5xx per minute; a minute without requests has no share (a gap, bridged). */
export function ErrorsChart({ points }: { points: TrafficPoint[] }) {
  const values = points.map((point) => ({ label: point.label, value: point.errorPercent }));
  const highest = Math.max(0, ...values.map((point) => point.value ?? 0));
  return (
    <AreaDrawing
      points={values}
      color="var(--red-9)"
      fill="var(--red-a4)"
      unit="%"
      top={Math.max(5, Math.ceil(highest))}
      format={(value) => (Number.isInteger(value) ? whole.format(value) : "")}
    />
  );
}

/** A value per minute as an area, a time every 15 minutes on the axis; points without a value are bridged. */
function AreaDrawing({
  points,
  color,
  fill,
  unit,
  format,
  top,
}: {
  points: { label: string; value: number | null }[];
  color: string;
  fill: string;
  unit: string;
  format: (value: number) => string;
  /** The value axis's top; by default the highest value, rounded up to a "nice" one. */
  top?: number;
}) {
  return (
    <Drawing margin={{ top: 8, right: 16, bottom: 24, left: 48 }}>
      {({ width, height }) => {
        const x = scalePoint<number>()
          .domain(points.map((_, index) => index))
          .range([0, width]);
        const y = scaleLinear()
          .domain([0, top ?? Math.max(...points.map((point) => point.value ?? 0), Number.EPSILON)])
          .range([height, 0]);
        if (top === undefined) y.nice();
        const known = points.flatMap((point, index) => (point.value === null ? [] : [{ ...point, value: point.value, x: x(index)! }]));
        const shape = area<(typeof known)[number]>()
          .x((point) => point.x)
          .y0(height)
          .y1((point) => y(point.value))
          .curve(curveMonotoneX);
        const edge = line<(typeof known)[number]>()
          .x((point) => point.x)
          .y((point) => y(point.value))
          .curve(curveMonotoneX);
        return (
          <>
            <ValueAxis scale={y} length={width} side="left" format={(value) => (format(value) ? `${format(value)}${unit}` : "")} />
            <LabelAxis labels={points.map((point, index) => ({ label: point.label, at: x(index)! }))} every={15} offset={height} side="bottom" />
            <path className="chart-area" d={shape(known) ?? ""} style={{ fill }} />
            <path d={edge(known) ?? ""} style={{ fill: "none", stroke: color, strokeWidth: 2 }} />
            {known.map((point) => (
              <circle key={point.x} cx={point.x} cy={y(point.value)} r={6} style={{ fill: "transparent" }}>
                <title>{`${point.label}: ${format(point.value) || rate.format(point.value)}${unit}`}</title>
              </circle>
            ))}
          </>
        );
      }}
    </Drawing>
  );
}

interface Box {
  width: number;
  height: number;
}

/**
 * An SVG as wide as its card (measured, and measured again when the card resizes) and HEIGHT tall; `children`
 * draws inside the margins, given the inner size. Nothing is drawn until the width is known.
 */
function Drawing({ margin, children }: { margin: { top: number; right: number; bottom: number; left: number }; children: (box: Box) => ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    setWidth(element.clientWidth);
    const observer = new ResizeObserver(([entry]) => setWidth(entry?.contentRect.width ?? 0));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  const inner = { width: width - margin.left - margin.right, height: HEIGHT - margin.top - margin.bottom };
  return (
    <div ref={ref} style={{ width: "100%", height: HEIGHT }}>
      {inner.width > 0 && (
        <svg width={width} height={HEIGHT} className="chart" style={{ display: "block", fontSize: TICK_FONT }}>
          <g transform={`translate(${margin.left},${margin.top})`}>{children(inner)}</g>
        </svg>
      )}
    </div>
  );
}

/** A value axis: its ticks' labels and a dashed grid line across the drawing at each (`format` may leave a tick out with ""). */
function ValueAxis({
  scale,
  length,
  side,
  format,
}: {
  scale: ReturnType<typeof scaleLinear<number>>;
  length: number;
  side: "left" | "bottom";
  format: (value: number) => string;
}) {
  return (
    <g>
      {scale.ticks(5).map((tick) => {
        const at = scale(tick);
        const label = format(tick);
        // A tick without a label (a fraction on a count's axis) gets no grid line either.
        if (!label) return null;
        return side === "left" ? (
          <g key={tick} transform={`translate(0,${at})`}>
            <line x1={0} x2={length} style={{ stroke: "var(--gray-a5)", strokeDasharray: "3 3" }} />
            <text x={-8} dy="0.32em" textAnchor="end" style={{ fill: "var(--gray-11)" }}>
              {label}
            </text>
          </g>
        ) : (
          <g key={tick} transform={`translate(${at},0)`}>
            <line y1={0} y2={length} style={{ stroke: "var(--gray-a5)", strokeDasharray: "3 3" }} />
            <text y={length + 16} textAnchor="middle" style={{ fill: "var(--gray-11)" }}>
              {label}
            </text>
          </g>
        );
      })}
    </g>
  );
}

/** A category or time axis: every `every`-th label, centred on its bar or point. */
function LabelAxis({ labels, every, offset, side }: { labels: { label: string; at: number }[]; every: number; offset: number; side: "left" | "bottom" }) {
  return (
    <g style={{ fill: "var(--gray-11)" }}>
      {labels.map(({ label, at }, index) =>
        index % every !== 0 ? null : side === "bottom" ? (
          <text key={index} x={at} y={offset + 16} textAnchor="middle">
            {label}
          </text>
        ) : (
          <text key={index} x={-8} y={at} dy="0.32em" textAnchor="end">
            {label}
          </text>
        ),
      )}
    </g>
  );
}
