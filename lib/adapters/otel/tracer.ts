import { SpanStatusCode, trace, type Span } from "@opentelemetry/api";
import { ATTR_ERROR_TYPE } from "@opentelemetry/semantic-conventions";

/**
 * The app's tracer. Taken from the global provider on each use rather than once: the app is built before Next
 * starts the SDK (instrumentation.ts runs during `prepare()`), and the API's proxy tracer only starts recording
 * once a provider is registered.
 */
export function tracer() {
  return trace.getTracer("user-console");
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
