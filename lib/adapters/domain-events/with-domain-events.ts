import { eventsFromAudit, type DomainEvent } from "../../domain/events";
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
 * `committed` is called with the unit's events after a unit that raised some has committed (the relay's cue to look
 * at once rather than at its next poll, and the live console's news on a single-process database). It wraps the
 * adapter's unit of work, inside the deadline, so it runs only once the commit is done.
 */
export function withDomainEvents(inner: UnitOfWork, options: { committed?: (events: readonly DomainEvent[]) => void } = {}): UnitOfWork {
  return {
    read: (work, readOptions) => inner.read(work, readOptions),
    async run(work, runOptions) {
      const raised: DomainEvent[] = [];
      const result = await inner.run((repos) => work(raising(repos, (events) => raised.push(...events))), runOptions);
      if (raised.length > 0) options.committed?.(raised);
      return result;
    },
  };
}

function raising(repos: Repositories, raised: (events: readonly DomainEvent[]) => void): Repositories {
  const { audit, events } = repos;
  const overrides: Partial<AuditLog> = {
    async append(entry) {
      // Derived first: an unmapped action throws before the change's audit entry is written.
      const derived = eventsFromAudit(entry);
      const stored = await audit.append(entry);
      if (derived.length > 0) raised(await events.append(derived));
      return stored;
    },
    async appendMany(entries) {
      const derived = entries.flatMap(eventsFromAudit);
      await audit.appendMany(entries);
      if (derived.length > 0) raised(await events.append(derived));
    },
  };
  return { ...repos, audit: overriding(audit, overrides) };
}
