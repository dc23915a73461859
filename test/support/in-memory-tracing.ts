/**
 * The OpenTelemetry SDK as the app runs it (NodeSDK: AsyncLocalStorage context, W3C propagation), every span
 * recorded and kept in memory, for unit tests of what the app traces. Registers the API's globals: call
 * `stop()` after the file's tests so the next file can register its own.
 */
import { context, propagation, trace } from "@opentelemetry/api";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { AlwaysOnSampler, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";

export interface InMemoryTracing {
  /** Spans ended so far, in the order they ended. */
  spans(): ReadableSpan[];
  /** The one ended span of that name; throws naming the spans there are when there is not exactly one. */
  span(name: string): ReadableSpan;
  reset(): void;
  stop(): Promise<void>;
}

export function startInMemoryTracing(): InMemoryTracing {
  const exporter = new InMemorySpanExporter();
  const sdk = new NodeSDK({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
    sampler: new AlwaysOnSampler(),
    autoDetectResources: false,
    instrumentations: [],
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  const spans = () => exporter.getFinishedSpans();
  return {
    spans,
    span(name) {
      const found = spans().filter((span) => span.name === name);
      if (found.length !== 1 || !found[0]) {
        throw new Error(`expected one span "${name}", found ${found.length} among: ${spans().map((span) => span.name).join(", ")}`);
      }
      return found[0];
    },
    reset: () => exporter.reset(),
    async stop() {
      await sdk.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
