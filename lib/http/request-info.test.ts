import { context, trace } from "@opentelemetry/api";
import { afterAll, describe, expect, it } from "vitest";

import { startInMemoryTracing } from "../../test/support/in-memory-tracing";
import { traceIdOf } from "./request-info";

const tracing = startInMemoryTracing();
afterAll(() => tracing.stop());

const SENT = "0af7651916cd43dd8448eb211c80319c";
const request = (traceparent?: string) => new Request("http://localhost/api/v1/users", { headers: traceparent ? { traceparent } : {} });

describe("traceIdOf (the trace id of problem bodies and audit entries)", () => {
  it("is the active span's, which the server started for the request", () => {
    const span = trace.getTracer("test").startSpan("request");
    const traceId = context.with(trace.setSpan(context.active(), span), () => traceIdOf(request(`00-${SENT}-b7ad6b7169203331-01`)));
    span.end();
    expect(traceId).toBe(span.spanContext().traceId);
    expect(traceId).not.toBe(SENT);
  });

  it("is the caller's traceparent's when no span is active (tracing off)", () => {
    expect(traceIdOf(request(`00-${SENT}-b7ad6b7169203331-01`))).toBe(SENT);
  });

  it.each([
    ["no header", undefined],
    ["an all-zero trace id", `00-${"0".repeat(32)}-b7ad6b7169203331-01`],
    ["upper-case hex", `00-${SENT.toUpperCase()}-b7ad6b7169203331-01`],
    ["a short trace id", "00-0af7651916cd43dd-b7ad6b7169203331-01"],
  ])("is null with %s and no active span", (_what, header) => {
    expect(traceIdOf(request(header))).toBeNull();
  });
});
