"use client";

import { Card, Flex, Heading, Skeleton, Text } from "@radix-ui/themes";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { Bar, BarChart, CartesianGrid, Cell, Tooltip, XAxis, YAxis } from "recharts";

import { userStatsResponse } from "@/lib/http/responses";

import { api } from "./api";
import { ChartCard } from "./chart-card";
import { LoadError } from "./load-error";

const dayLabel = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
const whole = new Intl.NumberFormat();

/** Colours of the statuses and roles, as the users table's badges have them. */
const STATUS_COLOR = { ACTIVE: "var(--green-9)", DISABLED: "var(--gray-9)", INVITED: "var(--blue-9)" } as const;
const ROLE_COLOR = { ADMIN: "var(--crimson-9)", EDITOR: "var(--amber-9)", VIEWER: "var(--gray-9)" } as const;

/**
 * The users in numbers (GET /api/v1/users/stats): signups per day over the last 90 days, users by status and by
 * role. The counts are exact (the read model, docs/decisions/018); one marked not exact would say "about".
 */
export function UserCharts() {
  const stats = useQuery({
    queryKey: ["user-stats"],
    queryFn: ({ signal }) => api("/api/v1/users/stats", userStatsResponse, { signal }),
  });

  if (stats.isPending) return <Skeleton height="20rem" />;
  if (stats.isError) return <LoadError error={stats.error} what="The users' numbers" />;

  const { signupsPerDay, byStatus, byRole } = stats.data;
  const signups = signupsPerDay.reduce((sum, entry) => sum + entry.count, 0);
  const busiest = signupsPerDay.reduce((best, entry) => (entry.count > best.count ? entry : best), { day: "", count: 0 });
  const counted = (entries: Record<string, { count: number; exact: boolean }>) =>
    Object.entries(entries).map(([label, { count, exact }]) => ({ label, count, exact }));
  const statuses = counted(byStatus);
  const roles = counted(byRole);
  const total = statuses.reduce((sum, entry) => sum + entry.count, 0);
  const describe = (entries: { label: string; count: number; exact: boolean }[]) =>
    entries.map((entry) => `${entry.exact ? "" : "about "}${whole.format(entry.count)} ${entry.label.toLowerCase()}`).join(", ");

  return (
    <Flex direction="column" gap="3" asChild>
      <section aria-labelledby="user-charts-heading">
        <Heading as="h2" size="4" id="user-charts-heading">
          Users
        </Heading>
        {total === 0 && signups === 0 ? (
          <Card>
            <Text color="gray">
              No users yet. <Link href="/users">Create or invite someone</Link>, or import a CSV file, and these charts fill in.
            </Text>
          </Card>
        ) : (
          <>
            <ChartCard
              title="Signups per day, last 90 days"
              summary={
                signups === 0
                  ? "Nobody signed up in the last 90 days."
                  : `${whole.format(signups)} users signed up in the last 90 days; the busiest day was ${dayLabel.format(new Date(busiest.day))} with ${whole.format(busiest.count)}.`
              }
            >
              <BarChart accessibilityLayer={false} data={signupsPerDay.map((entry) => ({ label: dayLabel.format(new Date(entry.day)), count: entry.count }))} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
                <CartesianGrid strokeDasharray="3 3" stroke="var(--gray-a5)" vertical={false} />
                <XAxis dataKey="label" interval={13} tick={{ fontSize: 12 }} />
                <YAxis tick={{ fontSize: 12 }} width={48} allowDecimals={false} tickFormatter={(value: number) => whole.format(value)} />
                <Tooltip formatter={(value) => [`${whole.format(Number(value))} users`, "Signups"]} />
                <Bar dataKey="count" name="Signups" fill="var(--accent-9)" isAnimationActive={false} />
              </BarChart>
            </ChartCard>
            <Flex gap="4" direction={{ initial: "column", lg: "row" }}>
              <ChartCard title="Users by status" summary={`${describe(statuses)} (deleted users not counted).`}>
                <CountBars entries={statuses} colors={STATUS_COLOR} />
              </ChartCard>
              <ChartCard title="Users by role" summary={`${describe(roles)}.`}>
                <CountBars entries={roles} colors={ROLE_COLOR} />
              </ChartCard>
            </Flex>
          </>
        )}
      </section>
    </Flex>
  );
}

function CountBars({ entries, colors }: { entries: { label: string; count: number }[]; colors: Record<string, string> }) {
  return (
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
  );
}
