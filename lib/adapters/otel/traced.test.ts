import { context, ROOT_CONTEXT, SpanStatusCode, trace, TraceFlags } from "@opentelemetry/api";
import { afterAll, beforeEach, describe, expect, it } from "vitest";

import { UserNotFoundError } from "../../domain/errors";
import { startInMemoryTracing } from "../../../test/support/in-memory-tracing";
import { traced } from "./traced";

const tracing = startInMemoryTracing();
afterAll(() => tracing.stop());
beforeEach(() => tracing.reset());

/** Runs `work` inside a span named `request`, as the server runs every request. */
async function inRequest<T>(work: () => Promise<T>): Promise<T> {
  const request = trace.getTracer("test").startSpan("request");
  try {
    return await context.with(trace.setSpan(context.active(), request), work);
  } finally {
    request.end();
  }
}

describe("traced (a use case in a span of its own)", () => {
  it("records `use_case <name>` as a child of the caller's span and parent of what the use case starts", async () => {
    const listUsers = traced("listUsers", async (limit: number, tag: string) => {
      trace.getTracer("test").startSpan("inside").end();
      await new Promise((resolve) => setTimeout(resolve, 1));
      trace.getTracer("test").startSpan("after an await").end();
      return `${limit} ${tag}`;
    });
    expect(await inRequest(() => listUsers(20, "x"))).toBe("20 x");

    const request = tracing.span("request");
    const useCase = tracing.span("use_case listUsers");
    expect(useCase.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(useCase.spanContext().traceId).toBe(request.spanContext().traceId);
    for (const name of ["inside", "after an await"]) {
      expect(tracing.span(name).parentSpanContext?.spanId, name).toBe(useCase.spanContext().spanId);
    }
    expect(useCase.status.code).toBe(SpanStatusCode.UNSET);
    // It lasts until the use case's promise settles, not just the synchronous call: it ends after the work done
    // after the use case's first await (spans are exported in the order they end).
    const ended = tracing.spans().map((span) => span.name);
    expect(ended.indexOf("use_case listUsers")).toBeGreaterThan(ended.indexOf("after an await"));
  });

  it("marks the span failed with the error's code when the use case rejects, and passes the rejection on", async () => {
    const id = "0193f5d2-aaaa-7000-8000-000000000001";
    const getUser = traced("getUser", async (userId: string) => {
      throw new UserNotFoundError(userId);
    });
    await expect(inRequest(() => getUser(id))).rejects.toBeInstanceOf(UserNotFoundError);

    const span = tracing.span("use_case getUser");
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes["error.type"]).toBe("USER_NOT_FOUND");
    // The message quotes the id the caller sent: it stays out of the trace.
    expect(JSON.stringify({ attributes: span.attributes, events: span.events, status: span.status })).not.toContain(id);
  });

  it("ends a span failed by the class name when the use case throws before returning a promise", () => {
    const broken = traced("broken", (): Promise<void> => {
      throw new TypeError("not a promise at all");
    });
    expect(() => broken()).toThrow(TypeError);
    const span = tracing.span("use_case broken");
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes["error.type"]).toBe("TypeError");
  });

  it("starts a trace of its own when nothing is active (the users gauge refreshed by a timer)", async () => {
    const count = traced("countUsersByStatus", async () => 3);
    expect(await count()).toBe(3);
    expect(tracing.span("use_case countUsersByStatus").parentSpanContext).toBeUndefined();
  });

  it("starts no span under a request the sampler dropped, and runs the use case in the request's context", async () => {
    // What a request not sampled holds: a span that is not recording, its trace not sampled.
    const dropped = trace.setSpanContext(ROOT_CONTEXT, { traceId: "1".repeat(32), spanId: "2".repeat(16), traceFlags: TraceFlags.NONE });
    const getUser = traced("getUser", async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return trace.getActiveSpan()?.spanContext().traceId;
    });
    expect(await context.with(dropped, () => getUser())).toBe("1".repeat(32));
    expect(tracing.spans()).toEqual([]);

    // A caller's trace that is sampled is continued, even by a span that does not record here (a remote parent).
    const sampled = trace.setSpanContext(ROOT_CONTEXT, { traceId: "3".repeat(32), spanId: "4".repeat(16), traceFlags: TraceFlags.SAMPLED, isRemote: true });
    await context.with(sampled, () => getUser());
    expect(tracing.span("use_case getUser").parentSpanContext?.spanId).toBe("4".repeat(16));
  });
});
