import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-base";
import { describe, expect, it } from "vitest";

import { watchSpanExporter } from "./trace-export-watch";

/** An exporter whose exports stay pending until the test settles them, in order. */
function controlledExporter() {
  const pending: Array<{ spans: ReadableSpan[]; done: (result: ExportResult) => void }> = [];
  let shutdowns = 0;
  let flushes = 0;
  const exporter: SpanExporter = {
    export: (spans, done) => void pending.push({ spans, done }),
    shutdown: async () => void shutdowns++,
    forceFlush: async () => void flushes++,
  };
  const settle = (code: ExportResultCode) => {
    const next = pending.shift();
    if (!next) throw new Error("no export pending");
    next.done({ code, ...(code === ExportResultCode.FAILED && { error: new Error("ECONNREFUSED") }) });
  };
  return { exporter, pending, settle, counts: () => ({ shutdowns, flushes }) };
}

/** One finished span, as a batch processor would hand it to its exporter. */
function oneSpan(): ReadableSpan[] {
  const finished = new InMemorySpanExporter();
  new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(finished)] }).getTracer("test").startSpan("s").end();
  return finished.getFinishedSpans();
}

describe("watching a span exporter (issue 17, /ready's traceExport check)", () => {
  it("reports nothing while no export has finished, and passes spans and results through", () => {
    const inner = controlledExporter();
    const { exporter, watch } = watchSpanExporter(inner.exporter, () => 1_000);
    const results: ExportResult[] = [];

    const spans = oneSpan();
    expect(spans).toHaveLength(1);
    exporter.export(spans, (result) => results.push(result));
    expect(watch.failingSince()).toBeNull();
    expect(inner.pending[0]?.spans).toBe(spans);

    inner.settle(ExportResultCode.SUCCESS);
    expect(results).toEqual([{ code: ExportResultCode.SUCCESS }]);
    expect(watch.failingSince()).toBeNull();
  });

  it("is failing since the start of the first failed export, through further failures, until one succeeds", () => {
    const inner = controlledExporter();
    let now = 1_000;
    const { exporter, watch } = watchSpanExporter(inner.exporter, () => now);
    const results: ExportResult[] = [];

    exporter.export(oneSpan(), (result) => results.push(result));
    now = 9_000; // the exporter's retries take their time before it gives up
    inner.settle(ExportResultCode.FAILED);
    expect(watch.failingSince()).toBe(1_000);
    expect(results[0]?.code).toBe(ExportResultCode.FAILED);
    expect(results[0]?.error?.message).toBe("ECONNREFUSED");

    exporter.export(oneSpan(), () => undefined);
    now = 20_000;
    inner.settle(ExportResultCode.FAILED);
    expect(watch.failingSince()).toBe(1_000);

    exporter.export(oneSpan(), () => undefined);
    inner.settle(ExportResultCode.SUCCESS);
    expect(watch.failingSince()).toBeNull();
  });

  it("probes with an empty export, one at a time, whose outcome counts like any other", () => {
    const inner = controlledExporter();
    const { exporter, watch } = watchSpanExporter(inner.exporter, () => 5_000);
    exporter.export(oneSpan(), () => undefined);
    inner.settle(ExportResultCode.FAILED);

    watch.probe();
    watch.probe(); // still on its way: not sent again
    expect(inner.pending.map((each) => each.spans)).toEqual([[]]);
    inner.settle(ExportResultCode.FAILED);
    expect(watch.failingSince()).toBe(5_000);

    watch.probe();
    expect(inner.pending).toHaveLength(1);
    inner.settle(ExportResultCode.SUCCESS);
    expect(watch.failingSince()).toBeNull();
  });

  it("hands flushing and shutdown to the exporter", async () => {
    const inner = controlledExporter();
    const { exporter } = watchSpanExporter(inner.exporter);
    await exporter.forceFlush?.();
    await exporter.shutdown();
    expect(inner.counts()).toEqual({ shutdowns: 1, flushes: 1 });
  });
});
