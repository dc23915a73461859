import { context, SpanKind, trace, type Context } from "@opentelemetry/api";
import { ATTR_DB_OPERATION_NAME, ATTR_DB_SYSTEM_NAME, DB_SYSTEM_NAME_VALUE_POSTGRESQL } from "@opentelemetry/semantic-conventions";

import type { Repositories, UnitOfWork } from "../../ports/unit-of-work";
import { endWith, recordFailure, tracer } from "./tracer";

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
 */
export function withDatabaseTracing(inner: UnitOfWork, system: string = DB_SYSTEM_NAME_VALUE_POSTGRESQL): UnitOfWork {
  return {
    run(work, options) {
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
      return inner.read(
        (queries) => context.with(caller, () => work({ users: tracedRepository("users", queries.users, caller, system) })),
        options,
      );
    },
  };
}

function traced(repos: Repositories, unit: Context, system: string): Repositories {
  const wrap = <T extends object>(name: string, repository: T) => tracedRepository(name, repository, unit, system);
  // Listed one by one rather than looped over, so a repository added to Repositories fails to compile here
  // until it is traced too (as in lib/adapters/prometheus/with-database-metrics.ts).
  return {
    users: wrap("users", repos.users),
    audit: wrap("audit", repos.audit),
    credentials: wrap("credentials", repos.credentials),
    sessions: wrap("sessions", repos.sessions),
    tokens: wrap("tokens", repos.tokens),
    invitations: wrap("invitations", repos.invitations),
    signInFailures: wrap("signInFailures", repos.signInFailures),
    devices: wrap("devices", repos.devices),
    credentialChanges: wrap("credentialChanges", repos.credentialChanges),
    idempotency: wrap("idempotency", repos.idempotency),
    imports: wrap("imports", repos.imports),
    flags: wrap("flags", repos.flags),
    events: wrap("events", repos.events),
    webhooks: wrap("webhooks", repos.webhooks),
    savepoint: (work) => repos.savepoint(() => context.with(unit, work)),
  };
}

function tracedRepository<T extends object>(name: string, repository: T, unit: Context, system: string): T {
  return new Proxy(repository, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function" || typeof property !== "string") return value;
      const operation = `${name}.${property}`;
      return (...args: unknown[]) => {
        const span = tracer().startSpan(
          operation,
          { kind: SpanKind.CLIENT, attributes: { [ATTR_DB_SYSTEM_NAME]: system, [ATTR_DB_OPERATION_NAME]: operation } },
          unit,
        );
        try {
          return endWith(span, context.with(trace.setSpan(unit, span), () => Reflect.apply(value, target, args)));
        } catch (error) {
          recordFailure(span, error);
          span.end();
          throw error;
        }
      };
    },
  });
}
