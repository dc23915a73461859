import type { Repositories, UnitOfWork } from "../../ports/unit-of-work";
import type { AppMetrics } from "./metrics";

/**
 * Decorates a unit of work so that each unit (`operation="unit_of_work"`: the transaction, from asking for a
 * connection to commit or rollback) and each repository call inside it (`operation="users.list"`, ...) is
 * timed into db_operation_duration_seconds, as is each query of a `read` (which has no unit). Operations are repository and method names: a closed set, so the
 * series cannot grow with the data.
 */
export function withDatabaseMetrics(inner: UnitOfWork, metrics: Pick<AppMetrics, "observeDatabase">): UnitOfWork {
  return {
    async run(work, options) {
      const started = performance.now();
      let outcome: "ok" | "error" = "error";
      try {
        const result = await inner.run((repos) => work(timed(repos, metrics)), options);
        outcome = "ok";
        return result;
      } finally {
        metrics.observeDatabase("unit_of_work", outcome, (performance.now() - started) / 1000);
      }
    },
    // Each query is timed as `users.getById`, ...; a read has no unit around them to time.
    read: (work, options) => inner.read((queries) => work({ users: timedRepository("users", queries.users, metrics) }), options),
  };
}

function timed(repos: Repositories, metrics: Pick<AppMetrics, "observeDatabase">): Repositories {
  const time = <T extends object>(name: string, repository: T) => timedRepository(name, repository, metrics);
  // Listed one by one rather than looped over, so a repository added to Repositories fails to compile here
  // until it is timed too.
  return {
    users: time("users", repos.users),
    audit: time("audit", repos.audit),
    credentials: time("credentials", repos.credentials),
    sessions: time("sessions", repos.sessions),
    tokens: time("tokens", repos.tokens),
    invitations: time("invitations", repos.invitations),
    signInFailures: time("signInFailures", repos.signInFailures),
    devices: time("devices", repos.devices),
    credentialChanges: time("credentialChanges", repos.credentialChanges),
    idempotency: time("idempotency", repos.idempotency),
    imports: time("imports", repos.imports),
    flags: time("flags", repos.flags),
    events: time("events", repos.events),
    webhooks: time("webhooks", repos.webhooks),
    savepoint: (work) => repos.savepoint(work),
  };
}

/** Times each method call: until its promise settles, or the call itself for a method that returns no promise. */
function timedRepository<T extends object>(name: string, repository: T, metrics: Pick<AppMetrics, "observeDatabase">): T {
  return new Proxy(repository, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function" || typeof property !== "string") return value;
      const operation = `${name}.${property}`;
      return (...args: unknown[]) => {
        const started = performance.now();
        const done = (outcome: "ok" | "error") =>
          metrics.observeDatabase(operation, outcome, (performance.now() - started) / 1000);
        let result: unknown;
        try {
          result = Reflect.apply(value, target, args);
        } catch (error) {
          done("error");
          throw error;
        }
        if (!(result instanceof Promise)) {
          done("ok");
          return result;
        }
        return result.then(
          (settled: unknown) => {
            done("ok");
            return settled;
          },
          (error: unknown) => {
            done("error");
            throw error;
          },
        );
      };
    },
  });
}
