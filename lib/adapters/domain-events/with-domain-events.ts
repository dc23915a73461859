import { eventsFromAudit } from "../../domain/events";
import type { AuditLog } from "../../ports/audit-log";
import type { Repositories, UnitOfWork } from "../../ports/unit-of-work";
import { overriding } from "../credential-changes/with-credential-changes";

/**
 * Decorates a unit of work so that every audit entry it writes also appends the domain events the entry raises
 * (lib/domain/events.ts AUDIT_ACTION_EVENTS) to the outbox, in the same unit (issue 20): an event exists if and
 * only if its change committed. Derived here, where the audit entry is written, rather than in each use case:
 * every change already writes its audit entry, so a use case added later cannot forget its event, and an audit
 * action nobody mapped fails its unit (UnmappedAuditActionError) before anything is written.
 *
 * `committed` is called after a unit that raised events has committed (the relay's cue to look at once rather
 * than at its next poll). It wraps the adapter's unit of work, inside the deadline, so it runs only once the
 * commit is done.
 */
export function withDomainEvents(inner: UnitOfWork, options: { committed?: () => void } = {}): UnitOfWork {
  return {
    read: (work, readOptions) => inner.read(work, readOptions),
    async run(work, runOptions) {
      let raised = 0;
      const result = await inner.run((repos) => work(raising(repos, (count) => (raised += count))), runOptions);
      if (raised > 0) options.committed?.();
      return result;
    },
  };
}

function raising(repos: Repositories, raised: (count: number) => void): Repositories {
  const { audit, events } = repos;
  const overrides: Partial<AuditLog> = {
    async append(entry) {
      // Derived first: an unmapped action throws before the change's audit entry is written.
      const derived = eventsFromAudit(entry);
      const stored = await audit.append(entry);
      if (derived.length > 0) {
        await events.append(derived);
        raised(derived.length);
      }
      return stored;
    },
    async appendMany(entries) {
      const derived = entries.flatMap(eventsFromAudit);
      await audit.appendMany(entries);
      if (derived.length > 0) {
        await events.append(derived);
        raised(derived.length);
      }
    },
  };
  return { ...repos, audit: overriding(audit, overrides) };
}
