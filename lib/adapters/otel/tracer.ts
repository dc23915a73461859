import { SpanStatusCode, trace, TraceFlags, type Context, type Span, type Tracer, type TracerProvider } from "@opentelemetry/api";
import { ATTR_ERROR_TYPE } from "@opentelemetry/semantic-conventions";

let current: { provider: TracerProvider; tracer: Tracer } | undefined;

/**
 * The app's tracer, from the global provider. Kept while that provider stays the global one: the API's proxy
 * provider hands out a proxy tracer that starts recording once the SDK registers (the app is built before Next
 * starts it: instrumentation.ts runs during `prepare()`), and asked on every span, the provider made a new proxy
 * tracer each time tracing was off (which Next then wraps: instrumentation-node-extensions.js). Asked again once
 * the global provider is another one (`trace.disable()` between test files).
 */
export function tracer(): Tracer {
  const provider = trace.getTracerProvider();
  if (current?.provider !== provider) current = { provider, tracer: provider.getTracer("user-console") };
  return current.tracer;
}

/**
 * Whether a span started under `parent` could be recorded: not when `parent` holds a span the sampler dropped
 * (not recording, its trace not sampled). Under a parent-based sampler (ours, start-tracing.ts, and the SDK's
 * default) every child of such a span is dropped too, so the app's own child spans (use cases, units of work,
 * queries) are not started at all under it: starting one costs a sampling decision, two random ids, the span
 * and an async-context switch, on each of the ~90 % of requests that are not sampled, for nothing (issue 16:
 * tracing at its shipped sampling >= 0.9x tracing off). A root (no span in `parent`) is always started: the
 * sampler decides.
 */
export function mayRecordUnder(parent: Context): boolean {
  const span = trace.getSpan(parent);
  return span === undefined || span.isRecording() || (span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0;
}

/**
 * Marks `span` failed by `error`: its status, and `error.type` set to the error's code (`USER_NOT_FOUND`) or
 * class name. Never the message: ours can quote what the caller sent (an email that is taken), and span
 * attributes must not carry parameter values (issue 8).
 */
export function recordFailure(span: Span, error: unknown): void {
  const type =
    error instanceof Error && "code" in error && typeof error.code === "string"
      ? error.code
      : error instanceof Error
        ? error.name
        : typeof error;
  span.setAttribute(ATTR_ERROR_TYPE, type);
  span.setStatus({ code: SpanStatusCode.ERROR, message: type });
}

/**
 * Ends `span` when `result` settles (failed when it rejects), at once when it is not a promise; hands `result`
 * back unchanged.
 */
export function endWith<R>(span: Span, result: R): R {
  if (!(result instanceof Promise)) {
    span.end();
    return result;
  }
  result.then(
    () => span.end(),
    (error: unknown) => {
      recordFailure(span, error);
      span.end();
    },
  );
  return result;
}
