import { context, SpanKind, trace, type Context } from "@opentelemetry/api";
import { ATTR_DB_OPERATION_NAME, ATTR_DB_SYSTEM_NAME, DB_SYSTEM_NAME_VALUE_POSTGRESQL } from "@opentelemetry/semantic-conventions";

import type { Repositories, UnitOfWork } from "../../ports/unit-of-work";
import { aroundCalls, aroundEveryRepository, type AroundCall } from "../proxy/around-repository-calls";
import { endWith, mayRecordUnder, recordFailure, tracer } from "./tracer";

/**
 * Decorates a unit of work with spans (issue 8): one `unit_of_work` span per unit (the transaction, from asking
 * for a connection to commit or rollback), and inside it one CLIENT span per repository call (a `read` has no
 * unit span: its query spans are children of the caller's), named and
 * labelled by repository and method (`users.list`: `db.operation.name`), with `db.system.name`. Never the
 * arguments, the SQL or the rows: parameter values stay out of traces, as they stay out of metric labels.
 * A call that rejects or throws marks its span failed (lib/adapters/otel/tracer.ts `recordFailure`).
 *
 * Parents are set explicitly, not left to the async context: a unit's callback and repository calls run where
 * the database driver resumes them (a pooled connection handed over by another request's release), so the
 * unit's context is captured when it starts and restored around its work and each call.
 *
 * `system` is what the adapter underneath speaks: `postgresql` for PostgreSQL and for PGlite (PostgreSQL
 * compiled to WASM); the in-memory adapter of the tests is traced as the port it stands in for.
 *
 * Under a caller whose span the sampler dropped, no span is started (tracer.ts `mayRecordUnder`): the unit runs
 * undecorated, in the caller's context.
 */
export function withDatabaseTracing(inner: UnitOfWork, system: string = DB_SYSTEM_NAME_VALUE_POSTGRESQL): UnitOfWork {
  return {
    run(work, options) {
      const caller = context.active();
      if (!mayRecordUnder(caller)) return inner.run((repos) => context.with(caller, () => work(repos)), options);
      const span = tracer().startSpan("unit_of_work", { attributes: { [ATTR_DB_SYSTEM_NAME]: system } });
      const unit = trace.setSpan(context.active(), span);
      try {
        const tracedWork = (repos: Repositories) => context.with(unit, () => work(traced(repos, unit, system)));
        return endWith(span, context.with(unit, () => inner.run(tracedWork, options)));
      } catch (error) {
        recordFailure(span, error);
        span.end();
        throw error;
      }
    },
    read(work, options) {
      // No unit span (there is no transaction): each query's span is a child of the caller's.
      const caller = context.active();
      if (!mayRecordUnder(caller)) return inner.read((queries) => context.with(caller, () => work(queries)), options);
      return inner.read(
        (queries) => context.with(caller, () => work({ users: tracedRepository("users", queries.users, caller, system) })),
        options,
      );
    },
  };
}

function traced(repos: Repositories, unit: Context, system: string): Repositories {
  return {
    ...aroundEveryRepository(repos, inSpan(unit, system)),
    savepoint: (work) => repos.savepoint(() => context.with(unit, work)),
  };
}

function tracedRepository<T extends object>(name: string, repository: T, unit: Context, system: string): T {
  return aroundCalls(name, repository, inSpan(unit, system));
}

/** Runs each call in a CLIENT span of its own, a child of `unit`, ended when the call settles. */
function inSpan(unit: Context, system: string): AroundCall {
  return (operation, call) => {
    const span = tracer().startSpan(
      operation,
      { kind: SpanKind.CLIENT, attributes: { [ATTR_DB_SYSTEM_NAME]: system, [ATTR_DB_OPERATION_NAME]: operation } },
      unit,
    );
    try {
      return endWith(span, context.with(trace.setSpan(unit, span), call));
    } catch (error) {
      recordFailure(span, error);
      span.end();
      throw error;
    }
  };
}
