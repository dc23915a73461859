import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";

import type { TraceExportWatch } from "../../ports/trace-export";

/**
 * Wraps `exporter` so that every export's outcome (the result its callback gets: SUCCESS or FAILED, after the
 * exporter's own retries) is recorded; spans, results, flushing and shutdown pass through unchanged.
 */
export function watchSpanExporter(
  exporter: SpanExporter,
  now: () => number = Date.now,
): { exporter: SpanExporter; watch: TraceExportWatch } {
  let failingSince: number | null = null;
  let probing = false;

  const exportWatched = (spans: ReadableSpan[], resultCallback: (result: ExportResult) => void) => {
    const startedAt = now();
    exporter.export(spans, (result) => {
      if (result.code === ExportResultCode.SUCCESS) failingSince = null;
      else failingSince ??= startedAt;
      resultCallback(result);
    });
  };

  return {
    exporter: {
      export: exportWatched,
      shutdown: () => exporter.shutdown(),
      forceFlush: async () => exporter.forceFlush?.(),
    },
    watch: {
      failingSince: () => failingSince,
      probe() {
        if (probing) return;
        probing = true;
        exportWatched([], () => {
          probing = false;
        });
      },
    },
  };
}
