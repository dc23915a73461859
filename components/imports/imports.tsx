"use client";

import { InfoCircledIcon } from "@radix-ui/react-icons";
import { Badge, Button, Callout, Flex, Heading, Link, Skeleton, Table, Text } from "@radix-ui/themes";
import { useInfiniteQuery } from "@tanstack/react-query";
import { lazy, Suspense, useState } from "react";

import { api, ApiError } from "@/components/data/api";
import { IMPORTS_KEY } from "@/components/data/query-keys";
import { ColumnHeaders } from "@/components/ui/column-headers";
import { formatDateTime } from "@/components/ui/format";
import { LoadError } from "@/components/ui/load-error";
import { importJobPageResponse, type ImportJobJson } from "@/lib/api-contract/imports";
import { ImportFile } from "./import-file";
import { errorReportUrl, PAUSED_BECAUSE } from "./import-job-words";

/**
 * A job's live progress is drawn once one is followed, so its code (Radix's Progress among it) is not first-load
 * JS (issue 23: the /imports budget). React's lazy, not next/dynamic: it is only ever drawn after a click, never on
 * the server, and lazy costs the page no loader of its own.
 */
const LiveProgress = lazy(() => import("./live-progress").then((module) => ({ default: module.LiveProgress })));

const PAGE_SIZE = 20;
const FIRST_PAGE: string | null = null;
const whole = new Intl.NumberFormat();

const STATUS_COLOR = { queued: "gray", running: "blue", succeeded: "green", failed: "red" } as const;

/** While a job is under way, the list is read again this often, so a pause (and its end) shows without a reload. */
const ACTIVE_REFRESH_MS = 5_000;

/**
 * CSV imports (issue 7, item 5): upload a file once its dry run has shown its first rows and their problems
 * (issue 23, import-file.tsx), follow its progress live (Server-Sent Events: rows, rows per second, time left),
 * download the rows that failed as CSV, and the past imports. While the `bulk-import` flag is off for the caller
 * the API answers 404 FEATURE_OFF, and this says imports are turned off instead.
 */
export function Imports() {
  const [following, setFollowing] = useState<string | null>(null);
  const jobs = useInfiniteQuery({
    queryKey: IMPORTS_KEY,
    initialPageParam: FIRST_PAGE,
    queryFn: ({ pageParam, signal }) => {
      const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (pageParam) query.set("cursor", pageParam);
      return api(`/api/v1/imports?${query}`, importJobPageResponse, { signal });
    },
    getNextPageParam: (page) => page.nextCursor,
    refetchInterval: (query) =>
      query.state.data?.pages.some((page) => page.items.some((job) => job.status === "queued" || job.status === "running"))
        ? ACTIVE_REFRESH_MS
        : false,
  });

  if (jobs.error instanceof ApiError && jobs.error.code === "FEATURE_OFF") {
    return (
      <Callout.Root color="gray" role="status">
        <Callout.Icon>
          <InfoCircledIcon />
        </Callout.Icon>
        <Callout.Text>Imports are turned off (feature flag bulk-import). An administrator can turn them on on the Flags page.</Callout.Text>
      </Callout.Root>
    );
  }

  const items = jobs.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Flex direction="column" gap="5">
      <ImportFile onStarted={setFollowing} />
      {following && (
        <Suspense>
          <LiveProgress key={following} id={following} />
        </Suspense>
      )}
      <Flex direction="column" gap="3" asChild>
        <section aria-labelledby="past-imports">
          <Heading as="h2" size="4" id="past-imports">
            Past imports
          </Heading>
          {jobs.isPending ? (
            <Skeleton height="8rem" />
          ) : jobs.isError ? (
            <LoadError error={jobs.error} what="The imports" />
          ) : items.length === 0 ? (
            <Text color="gray">No imports yet. Upload a CSV file above and it is listed here.</Text>
          ) : (
            <Table.Root variant="surface" aria-label="Past imports">
              <ColumnHeaders columns={["File", "Status", "Rows", "By", "Started", "Error report"]} />
              <Table.Body>
                {items.map((job) => (
                  <JobRow key={job.id} job={job} onFollow={() => setFollowing(job.id)} />
                ))}
              </Table.Body>
            </Table.Root>
          )}
          {jobs.hasNextPage && (
            <Flex>
              <Button variant="soft" onClick={() => void jobs.fetchNextPage()} loading={jobs.isFetchingNextPage}>
                Load more
              </Button>
            </Flex>
          )}
        </section>
      </Flex>
    </Flex>
  );
}

function JobRow({ job, onFollow }: { job: ImportJobJson; onFollow: () => void }) {
  const { counts } = job;
  const active = job.status === "queued" || job.status === "running";
  return (
    <Table.Row>
      <Table.RowHeaderCell>{job.filename ?? "(no name)"}</Table.RowHeaderCell>
      <Table.Cell>
        <Flex direction="column" gap="1" align="start">
          <Badge color={job.paused ? "amber" : STATUS_COLOR[job.status]}>{job.paused ? "paused" : job.status}</Badge>
          {job.paused && (
            <Text size="1" color="amber">
              {PAUSED_BECAUSE[job.paused.reason]}
            </Text>
          )}
          {job.error && (
            <Text size="1" color="red">
              {job.error}
            </Text>
          )}
        </Flex>
      </Table.Cell>
      <Table.Cell>
        {whole.format(counts.created)} created, {whole.format(counts.failed)} failed
        {counts.total !== null && ` of ${whole.format(counts.total)}`}
      </Table.Cell>
      <Table.Cell>{job.createdBy.label}</Table.Cell>
      <Table.Cell>{formatDateTime(job.createdAt)}</Table.Cell>
      <Table.Cell>
        {active ? (
          <Button size="1" variant="soft" onClick={onFollow}>
            Follow progress
          </Button>
        ) : counts.failed > 0 ? (
          <Link href={errorReportUrl(job.id)} download>
            {whole.format(counts.failed)} failed rows (CSV)
          </Link>
        ) : (
          <Text color="gray">None</Text>
        )}
      </Table.Cell>
    </Table.Row>
  );
}
