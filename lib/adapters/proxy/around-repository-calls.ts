import type { Repositories } from "../../ports/unit-of-work";

/**
 * Runs one repository call, `call`, named `<repository>.<method>` (`users.list`) as `operation`, and answers what
 * it answers (a promise for the methods that return one). Operation names are repository and method names: a
 * closed set, so what is keyed by them (metric labels, span names) cannot grow with the data.
 */
export type AroundCall = (operation: string, call: () => unknown) => unknown;

/** `repository` with each method call passed through `around`; its other properties as they are. */
export function aroundCalls<T extends object>(name: string, repository: T, around: AroundCall): T {
  return new Proxy(repository, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function" || typeof property !== "string") return value;
      const operation = `${name}.${property}`;
      return (...args: unknown[]) => around(operation, () => Reflect.apply(value, target, args));
    },
  });
}

/**
 * Every repository of a unit with each method call passed through `around`, for the decorators that observe
 * them (lib/adapters/otel/with-database-tracing.ts, lib/adapters/prometheus/with-database-metrics.ts). Not
 * `savepoint`, which is no repository: each decorator passes it on in its own way. Listed one by one rather than
 * looped over, so a repository added to Repositories fails to compile here until it is observed too.
 */
export function aroundEveryRepository(repos: Repositories, around: AroundCall): Omit<Repositories, "savepoint"> {
  const wrap = <T extends object>(name: string, repository: T) => aroundCalls(name, repository, around);
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
  };
}
