"use client";

import { Card, Flex, Heading, Link, Progress, Text } from "@radix-ui/themes";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";

import { IMPORTS_KEY, USER_STATS_KEY } from "@/components/data/query-keys";
import { importProgressEvent, type ImportProgressJson } from "@/lib/api-contract/imports";
import { errorReportUrl, PAUSED_BECAUSE } from "./import-job-words";

const whole = new Intl.NumberFormat();

/**
 * One job's progress from its event stream (GET /api/v1/imports/{id}/events): a bar, rows done of the total,
 * rows per second and the time left; at the end, what was created and the error report. Loaded once a job is
 * followed, never with the page's first-load JS (issue 23: the /imports budget).
 */
export function LiveProgress({ id }: { id: string }) {
  const [progress, setProgress] = useState<ImportProgressJson | null>(null);
  const [lost, setLost] = useState(false);
  /** The server ended the stream for good (refused past the caps, or the session ended): the browser gave up. */
  const [closed, setClosed] = useState(false);
  const queryClient = useQueryClient();

  useEffect(() => {
    const events = new EventSource(`/api/v1/imports/${encodeURIComponent(id)}/events`);
    const read = (event: MessageEvent<string>) => {
      const parsed = importProgressEvent.safeParse(JSON.parse(event.data));
      if (parsed.success) setProgress(parsed.data);
      setLost(false);
    };
    events.addEventListener("progress", read);
    events.addEventListener("done", (event) => {
      read(event);
      events.close();
      void queryClient.invalidateQueries({ queryKey: IMPORTS_KEY });
      void queryClient.invalidateQueries({ queryKey: USER_STATS_KEY });
    });
    // The browser reconnects by itself (the stream says `retry: 1000`); meanwhile, say so. A reconnect refused
    // (429 past the caps on open streams, 401 once the session ended) closes it for good.
    events.onerror = () => {
      setLost(true);
      if (events.readyState === EventSource.CLOSED) setClosed(true);
    };
    return () => events.close();
  }, [id, queryClient]);

  const finished = progress?.status === "succeeded" || progress?.status === "failed";
  const running = !finished && !progress?.paused;
  const percent = progress?.total ? Math.min(100, Math.round((progress.rowsDone / progress.total) * 100)) : null;
  return (
    <Card asChild>
      <section aria-labelledby="progress-heading">
        <Flex direction="column" gap="2">
          <Heading as="h2" size="4" id="progress-heading">
            {finished ? (progress?.status === "succeeded" ? "Import finished" : "Import failed") : progress?.paused ? "Import paused" : "Importing…"}
          </Heading>
          <Progress value={percent ?? undefined} max={100} aria-label="Import progress" size="3" />
          <Text size="2" role="status" aria-live="polite">
            {progress === null
              ? "Waiting for the first progress report…"
              : [
                  `${whole.format(progress.rowsDone)}${progress.total === null ? "" : ` of ${whole.format(progress.total)}`} rows`,
                  `${whole.format(progress.created)} users created, ${whole.format(progress.failed)} rows failed`,
                  // While paused nothing moves: a rate of 0 and no time left would only say so less clearly.
                  running && progress.rowsPerSecond !== null ? `${whole.format(Math.round(progress.rowsPerSecond))} rows/s` : null,
                  running && progress.etaSeconds !== null ? `about ${formatSeconds(progress.etaSeconds)} left` : null,
                ]
                  .filter(Boolean)
                  .join(" · ")}
          </Text>
          {progress?.paused && !finished && (
            <Text size="2" color="amber">
              {PAUSED_BECAUSE[progress.paused.reason]}
            </Text>
          )}
          {progress?.error && (
            <Text size="2" color="red">
              {progress.error}
            </Text>
          )}
          {lost && !finished && (
            <Text size="1" color="gray">
              {closed
                ? "Progress is no longer followed here (too many open, or your session ended). The list below still shows where it stands."
                : "The connection dropped; reconnecting…"}
            </Text>
          )}
          {finished && progress.failed > 0 && (
            <Link href={errorReportUrl(id)} download>
              Download the error report ({whole.format(progress.failed)} rows, CSV)
            </Link>
          )}
        </Flex>
      </section>
    </Card>
  );
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds % 60)} s`;
}
