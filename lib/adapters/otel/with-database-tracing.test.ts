import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags } from "@opentelemetry/api";
import { afterAll, beforeEach, describe, expect, it } from "vitest";

import { EmailTakenError } from "../../domain/errors";
import { DEFAULT_USER_SORT } from "../../domain/user-list";
import type { UnitOfWork } from "../../ports/unit-of-work";
import { createInMemoryDatabase } from "../memory/in-memory-database";
import { startInMemoryTracing } from "../../../test/support/in-memory-tracing";
import { withDatabaseTracing } from "./with-database-tracing";

const tracing = startInMemoryTracing();
afterAll(() => tracing.stop());
beforeEach(() => tracing.reset());

const EMAIL = "ada.lovelace@example.com";
const newUser = { email: EMAIL, name: "Ada Lovelace", role: "VIEWER", status: "ACTIVE" } as const;

/** Runs `work` inside a span named `use case`, as the use cases run (lib/adapters/otel/traced.ts). */
async function inUseCase<T>(work: () => Promise<T>): Promise<T> {
  const span = trace.getTracer("test").startSpan("use case");
  try {
    return await context.with(trace.setSpan(context.active(), span), work);
  } finally {
    span.end();
  }
}

/** Everything a span carries that an exporter would send, as text, to look for values that must not be there. */
function exported(): string {
  return JSON.stringify(
    tracing.spans().map((span) => ({ name: span.name, attributes: span.attributes, events: span.events, status: span.status, links: span.links })),
  );
}

describe("withDatabaseTracing", () => {
  it("records a unit_of_work span under the caller, and one CLIENT span per repository call under it", async () => {
    const unitOfWork = withDatabaseTracing(createInMemoryDatabase().unitOfWork);
    await inUseCase(() =>
      unitOfWork.run(async ({ users, audit }) => {
        await users.create(newUser);
        await users.getByEmail(EMAIL);
        await audit.list({ limit: 5 });
      }),
    );

    const useCase = tracing.span("use case");
    const unit = tracing.span("unit_of_work");
    expect(unit.parentSpanContext?.spanId).toBe(useCase.spanContext().spanId);
    expect(unit.attributes).toEqual({ "db.system.name": "postgresql" });
    for (const operation of ["users.create", "users.getByEmail", "audit.list"]) {
      const call = tracing.span(operation);
      expect(call.parentSpanContext?.spanId, operation).toBe(unit.spanContext().spanId);
      expect(call.spanContext().traceId, operation).toBe(useCase.spanContext().traceId);
      expect(call.kind, operation).toBe(SpanKind.CLIENT);
      // Exactly these attributes: what ran and where, never with what.
      expect(call.attributes, operation).toEqual({ "db.system.name": "postgresql", "db.operation.name": operation });
      expect(call.status.code, operation).toBe(SpanStatusCode.UNSET);
    }
    expect(exported()).not.toContain(EMAIL);
    expect(exported()).not.toContain("Ada");
  });

  it("marks the call and the unit failed when a call rejects, with the error's code and not its message", async () => {
    const unitOfWork = withDatabaseTracing(createInMemoryDatabase().unitOfWork);
    await unitOfWork.run(({ users }) => users.create(newUser));
    tracing.reset();

    await expect(inUseCase(() => unitOfWork.run(({ users }) => users.create(newUser)))).rejects.toBeInstanceOf(EmailTakenError);

    for (const name of ["users.create", "unit_of_work"]) {
      const span = tracing.span(name);
      expect(span.status.code, name).toBe(SpanStatusCode.ERROR);
      expect(span.attributes["error.type"], name).toBe("USER_EMAIL_TAKEN");
    }
    // EmailTakenError's message names the email: it must not reach the trace.
    expect(exported()).not.toContain(EMAIL);
  });

  it("keeps the unit as the parent when the driver resumes its callback in another context", async () => {
    // A pooled connection handed over by another request's release runs the unit's callback in that request's
    // async context: here, in none at all.
    const inner = createInMemoryDatabase().unitOfWork;
    const contextLosing: UnitOfWork = {
      run: (work, options) => inner.run((repos) => context.with(ROOT_CONTEXT, () => work(repos)), options),
      read: (work, options) => inner.read(work, options),
    };
    const unitOfWork = withDatabaseTracing(contextLosing);
    await inUseCase(() =>
      unitOfWork.run(async ({ users }) => {
        await users.list({ limit: 5, sort: DEFAULT_USER_SORT });
        trace.getTracer("test").startSpan("work in the unit").end();
      }),
    );

    const unit = tracing.span("unit_of_work");
    expect(tracing.span("users.list").parentSpanContext?.spanId).toBe(unit.spanContext().spanId);
    expect(tracing.span("work in the unit").parentSpanContext?.spanId).toBe(unit.spanContext().spanId);
  });

  it("traces calls inside a savepoint under the same unit", async () => {
    const unitOfWork = withDatabaseTracing(createInMemoryDatabase().unitOfWork);
    await unitOfWork.run(({ users, savepoint }) => savepoint(() => users.create(newUser)));
    expect(tracing.span("users.create").parentSpanContext?.spanId).toBe(tracing.span("unit_of_work").spanContext().spanId);
  });

  it("starts no span under a caller the sampler dropped, and runs the unit and the reads in the caller's context", async () => {
    const dropped = trace.setSpanContext(ROOT_CONTEXT, { traceId: "1".repeat(32), spanId: "2".repeat(16), traceFlags: TraceFlags.NONE });
    const unitOfWork = withDatabaseTracing(createInMemoryDatabase().unitOfWork);
    const traceIds = await context.with(dropped, async () => [
      await unitOfWork.run(async ({ users }) => {
        await users.create(newUser);
        return trace.getActiveSpan()?.spanContext().traceId;
      }),
      await unitOfWork.read(async ({ users }) => {
        await users.getById("0193f5d2-aaaa-7000-8000-000000000001");
        return trace.getActiveSpan()?.spanContext().traceId;
      }),
    ]);
    expect(traceIds).toEqual(["1".repeat(32), "1".repeat(32)]);
    expect(tracing.spans()).toEqual([]);
  });
});
