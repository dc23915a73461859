import { context, trace } from "@opentelemetry/api";

import { endWith, mayRecordUnder, recordFailure, tracer } from "./tracer";

/**
 * A use case that runs in a span of its own, `use_case <name>`, child of the caller's (the request's) and parent
 * of the repository calls it makes; failed when the use case rejects or throws. Applied to every use case in one
 * place (lib/composition-root.ts `wire`), so no use case knows about tracing.
 *
 * The span lasts until the returned promise settles. A use case that returns an iterator (the export's pages)
 * is traced until it hands the iterator over; the reads while it is consumed are spans of the request.
 * Under a request the sampler dropped, no span is started (tracer.ts `mayRecordUnder`).
 */
export function traced<A extends unknown[], R>(name: string, useCase: (...args: A) => R): (...args: A) => R {
  const spanName = `use_case ${name}`;
  return (...args) => {
    if (!mayRecordUnder(context.active())) return useCase(...args);
    const span = tracer().startSpan(spanName);
    try {
      return endWith(span, context.with(trace.setSpan(context.active(), span), () => useCase(...args)));
    } catch (error) {
      recordFailure(span, error);
      span.end();
      throw error;
    }
  };
}
