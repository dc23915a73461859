import { Writable } from "node:stream";

import { context, trace } from "@opentelemetry/api";
import { afterAll, describe, expect, it } from "vitest";

import { startInMemoryTracing } from "../../../test/support/in-memory-tracing";
import { createLogger } from "./logger";

const tracing = startInMemoryTracing();
afterAll(() => tracing.stop());

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, log: createLogger({ LOG_LEVEL: "info" }, stream) };
}

describe("the logger", () => {
  it("writes one JSON line per call, with the service name, level and message", () => {
    const { lines, log } = capture();
    log.info({ route: "/api/v1/users", status: 200 }, "request");
    expect(lines).toEqual([expect.objectContaining({ service: "user-console", level: 30, msg: "request", route: "/api/v1/users", status: 200 })]);
  });

  it.each([
    ["a password", { password: "hunter2hunter2" }, ["password"]],
    ["password changes", { body: { currentPassword: "old-secret-1", newPassword: "new-secret-2" } }, ["body.currentPassword", "body.newPassword"]],
    ["a bearer token", { headers: { authorization: "Bearer uc_live_abcdef" } }, ["headers.authorization"]],
    ["cookies", { headers: { cookie: "__Host-session=s3cr3t", "set-cookie": "session=s3cr3t" } }, ["headers.cookie", "headers.set-cookie"]],
    ["an API token's secret", { token: "uc_live_abcdef", tokenInfo: { secret: "uc_live_abcdef" } }, ["token", "tokenInfo.secret"]],
    ["a session secret", { sessionSecret: "s3cr3t-session" }, ["sessionSecret"]],
  ])("redacts %s", (_what, fields, paths) => {
    const { lines, log } = capture();
    log.warn({ ...fields, requestId: "req-1" }, "something happened");
    const [line] = lines;
    const text = JSON.stringify(line);
    for (const secret of ["hunter2hunter2", "old-secret-1", "new-secret-2", "uc_live_abcdef", "s3cr3t"]) {
      expect(text).not.toContain(secret);
    }
    for (const path of paths) {
      const value = path.split(".").reduce<unknown>((node, key) => (typeof node === "object" && node !== null ? Reflect.get(node, key) : undefined), line);
      expect(value, path).toBe("[redacted]");
    }
    expect(line?.requestId).toBe("req-1");
  });

  it("adds the active span's trace and span ids to every line written inside it, and none outside", () => {
    const { lines, log } = capture();
    const span = trace.getTracer("test").startSpan("request");
    context.with(trace.setSpan(context.active(), span), () => {
      log.info({ route: "/api/v1/users" }, "inside");
      log.child({ part: "audit" }).warn({}, "inside, from a child logger");
    });
    span.end();
    log.info({}, "outside");
    const { traceId, spanId } = span.spanContext();
    expect(lines).toEqual([
      expect.objectContaining({ msg: "inside", traceId, spanId }),
      expect.objectContaining({ msg: "inside, from a child logger", traceId, spanId }),
      expect.not.objectContaining({ traceId: expect.anything() }),
    ]);
  });
});
