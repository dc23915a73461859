"use client";

import { Area, AreaChart, Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

/**
 * The dashboard's drawings, the only code that imports Recharts (about 100 kB gzip, a third of the dashboard's
 * first-load JS before issue 23). components/dashboard/chart-card.tsx loads this module after the page is interactive, into
 * a box whose size is fixed beforehand, so nothing moves when a drawing arrives; the cards' titles and text
 * summaries do not wait for it. Each chart passes `accessibilityLayer={false}`: the drawing is hidden from
 * screen readers, and Recharts would otherwise make it a tab stop inside the hidden part (axe:
 * aria-hidden-focus, issue 7 item 8).
 */

const whole = new Intl.NumberFormat();
const rate = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

/** Signups per day: one bar a day, a date every two weeks on the axis. */
export function SignupsChart({ data }: { data: { label: string; count: number }[] }) {
  return (
    <ResponsiveContainer>
      <BarChart accessibilityLayer={false} data={data} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
        <CartesianGrid strokeDasharray="3 3" stroke="var(--gray-a5)" vertical={false} />
        <XAxis dataKey="label" interval={13} tick={{ fontSize: 12 }} />
        <YAxis tick={{ fontSize: 12 }} width={48} allowDecimals={false} tickFormatter={(value: number) => whole.format(value)} />
        <Tooltip formatter={(value) => [`${whole.format(Number(value))} users`, "Signups"]} />
        <Bar dataKey="count" name="Signups" fill="var(--accent-9)" isAnimationActive={false} />
      </BarChart>
    </ResponsiveContainer>
  );
}

/** Users per status or per role: one horizontal bar each, in the colour the users table's badge has. */
export function CountBars({ entries, colors }: { entries: { label: string; count: number }[]; colors: Record<string, string> }) {
  return (
    <ResponsiveContainer>
      <BarChart accessibilityLayer={false} data={entries} layout="vertical" margin={{ top: 8, right: 24, bottom: 0, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" stroke="var(--gray-a5)" horizontal={false} />
        <XAxis type="number" allowDecimals={false} tick={{ fontSize: 12 }} tickFormatter={(value: number) => whole.format(value)} />
        <YAxis type="category" dataKey="label" tick={{ fontSize: 12 }} width={72} />
        <Tooltip formatter={(value) => [`${whole.format(Number(value))} users`, "Users"]} />
        <Bar dataKey="count" name="Users" isAnimationActive={false}>
          {entries.map((entry) => (
            <Cell key={entry.label} fill={colors[entry.label] ?? "var(--accent-9)"} />
          ))}
        </Bar>
      </BarChart>
    </ResponsiveContainer>
  );
}

export interface TrafficPoint {
  label: string;
  requestsPerSecond: number;
  errorPercent: number | null;
}

/** Requests per second per minute over the last hour. */
export function RequestsChart({ points }: { points: TrafficPoint[] }) {
  return (
    <ResponsiveContainer>
      <AreaChart accessibilityLayer={false} data={points} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
        <CartesianGrid strokeDasharray="3 3" stroke="var(--gray-a5)" />
        <XAxis dataKey="label" interval={14} tick={{ fontSize: 12 }} />
        <YAxis tick={{ fontSize: 12 }} width={48} allowDecimals tickFormatter={(value: number) => rate.format(value)} unit="/s" />
        <Tooltip formatter={(value) => [`${rate.format(Number(value))} /s`, "Requests"]} />
        <Area type="monotone" dataKey="requestsPerSecond" name="Requests per second" stroke="var(--accent-9)" fill="var(--accent-a4)" isAnimationActive={false} />
      </AreaChart>
    </ResponsiveContainer>
  );
}

/** The share of requests answered 5xx per minute; a minute without requests has no share (a gap, bridged). */
export function ErrorsChart({ points }: { points: TrafficPoint[] }) {
  return (
    <ResponsiveContainer>
      <AreaChart accessibilityLayer={false} data={points} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
        <CartesianGrid strokeDasharray="3 3" stroke="var(--gray-a5)" />
        <XAxis dataKey="label" interval={14} tick={{ fontSize: 12 }} />
        <YAxis tick={{ fontSize: 12 }} width={48} domain={[0, (max: number) => Math.max(5, Math.ceil(max))]} allowDecimals={false} tickCount={6} unit="%" />
        <Tooltip formatter={(value) => [value === null ? "no requests" : `${rate.format(Number(value))} %`, "Server errors"]} />
        <Area type="monotone" dataKey="errorPercent" name="Server errors" stroke="var(--red-9)" fill="var(--red-a4)" connectNulls isAnimationActive={false} />
      </AreaChart>
    </ResponsiveContainer>
  );
}
