import type { Repositories, UnitOfWork } from "../../ports/unit-of-work";
import { aroundCalls, aroundEveryRepository, type AroundCall } from "../proxy/around-repository-calls";
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
  return { ...aroundEveryRepository(repos, timing(metrics)), savepoint: (work) => repos.savepoint(work) };
}

function timedRepository<T extends object>(name: string, repository: T, metrics: Pick<AppMetrics, "observeDatabase">): T {
  return aroundCalls(name, repository, timing(metrics));
}

/** Times each call: until its promise settles, or the call itself for a method that returns no promise. */
function timing(metrics: Pick<AppMetrics, "observeDatabase">): AroundCall {
  return (operation, call) => {
    const started = performance.now();
    const done = (outcome: "ok" | "error") => metrics.observeDatabase(operation, outcome, (performance.now() - started) / 1000);
    let result: unknown;
    try {
      result = call();
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
}
