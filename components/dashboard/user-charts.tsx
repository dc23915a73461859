"use client";

import { Card, Flex, Heading, Skeleton, Text } from "@radix-ui/themes";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";

import type * as z from "zod/mini";

import { userStatsResponse } from "@/lib/api-contract/users";

import { api } from "@/components/data/api";
import { USER_STATS_KEY } from "@/components/data/query-keys";
import { LoadError } from "@/components/ui/load-error";
import { ChartCard, CountBars, SignupsChart } from "./chart-card";

const dayLabel = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
const whole = new Intl.NumberFormat();

/** Colours of the statuses and roles, as the users table's badges have them. */
const STATUS_COLOR = { ACTIVE: "var(--green-9)", DISABLED: "var(--gray-9)", INVITED: "var(--blue-9)" } as const;
const ROLE_COLOR = { ADMIN: "var(--crimson-9)", EDITOR: "var(--amber-9)", VIEWER: "var(--gray-9)" } as const;

/**
 * The users in numbers (GET /api/v1/users/stats): signups per day over the last 90 days, users by status and by
 * role. The counts are exact (the read model, docs/decisions/018); one marked not exact would say "about".
 * `initial`: the numbers as the server read them for this page, so the charts' cards are in the first paint and
 * nothing below them moves when they arrive (issue 23: CLS 0); without them (the server's read failed), they are
 * fetched here behind a skeleton.
 */
export function UserCharts({ initial }: { initial?: z.infer<typeof userStatsResponse> }) {
  const stats = useQuery({
    queryKey: USER_STATS_KEY,
    queryFn: ({ signal }) => api("/api/v1/users/stats", userStatsResponse, { signal }),
    initialData: initial,
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
              <SignupsChart data={signupsPerDay.map((entry) => ({ label: dayLabel.format(new Date(entry.day)), count: entry.count }))} />
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
