import { randomUUID } from "node:crypto";

import { sessionExpiry, type ApiToken, type Invitation, type KnownDevice, type Session } from "../../domain/auth";
import type * as Ports from "../../ports/auth-repositories";
import type { IdempotencyRecord, IdempotencyStore } from "../../ports/idempotency-store";
import type { InMemoryState, StoredApiToken, StoredInvitation } from "./in-memory-database";

/** Deletes the entries `gone` picks; returns how many (the clean-ups of issue 18). */
function deleteWhere<V>(table: Map<string, V>, gone: (value: V) => boolean): number {
  let deleted = 0;
  for (const [key, value] of [...table]) {
    if (gone(value) && table.delete(key)) deleted++;
  }
  return deleted;
}

/** Each repository works on the unit's staged state and checks the unit's guard first, like the users one. */
abstract class InMemoryRepository {
  constructor(
    protected readonly state: InMemoryState,
    protected readonly guard: () => void,
  ) {}
}

export class InMemoryCredentialRepository extends InMemoryRepository implements Ports.CredentialRepository {
  async get(userId: string): Promise<Ports.StoredCredential | null> {
    this.guard();
    const stored = this.state.credentials.get(userId);
    return stored ? { ...stored } : null;
  }

  async set(userId: string, credential: Ports.StoredCredential): Promise<void> {
    this.guard();
    if (!this.state.users.has(userId)) throw new Error(`Cannot set a password for user ${userId}: no such user`);
    this.state.credentials.set(userId, { ...credential });
  }
}

export class InMemorySessionRepository extends InMemoryRepository implements Ports.SessionRepository {
  async create(session: Session): Promise<Session> {
    this.guard();
    if (!this.state.users.has(session.userId)) throw new Error(`Cannot start a session for user ${session.userId}`);
    this.state.sessions.set(session.id, { ...session });
    return { ...session };
  }

  async get(id: string): Promise<Session | null> {
    this.guard();
    const session = this.state.sessions.get(id);
    return session ? { ...session } : null;
  }

  async touch(id: string, at: Date): Promise<void> {
    this.guard();
    const session = this.state.sessions.get(id);
    if (session) this.state.sessions.set(id, { ...session, lastSeenAt: at });
  }

  async delete(id: string): Promise<boolean> {
    this.guard();
    return this.state.sessions.delete(id);
  }

  async deleteExpired(now: Date): Promise<number> {
    this.guard();
    return deleteWhere(this.state.sessions, (session) => sessionExpiry(session) <= now);
  }

  async listForUser(userId: string): Promise<Session[]> {
    this.guard();
    return [...this.state.sessions.values()]
      .filter((session) => session.userId === userId)
      .sort((a, b) => b.lastSeenAt.getTime() - a.lastSeenAt.getTime())
      .map((session) => ({ ...session }));
  }

  async deleteForUser(userId: string, options: { exceptId?: string } = {}): Promise<number> {
    this.guard();
    let ended = 0;
    for (const session of [...this.state.sessions.values()]) {
      if (session.userId === userId && session.id !== options.exceptId) {
        this.state.sessions.delete(session.id);
        ended += 1;
      }
    }
    return ended;
  }
}

export class InMemoryApiTokenRepository extends InMemoryRepository implements Ports.ApiTokenRepository {
  async create(token: Ports.NewApiToken): Promise<ApiToken> {
    this.guard();
    const stored = { ...token, id: randomUUID(), lastUsedAt: null, revokedAt: null };
    this.state.tokens.set(stored.id, stored);
    return toApiToken(stored);
  }

  async getBySecretHash(secretHash: string): Promise<ApiToken | null> {
    this.guard();
    const stored = [...this.state.tokens.values()].find((token) => token.secretHash === secretHash);
    return stored ? toApiToken(stored) : null;
  }

  async getById(id: string): Promise<ApiToken | null> {
    this.guard();
    const stored = this.state.tokens.get(id);
    return stored ? toApiToken(stored) : null;
  }

  async list(): Promise<ApiToken[]> {
    this.guard();
    return [...this.state.tokens.values()]
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
      .map(toApiToken);
  }

  async revoke(id: string, at: Date): Promise<ApiToken | null> {
    this.guard();
    const stored = this.state.tokens.get(id);
    if (!stored) return null;
    const revoked = { ...stored, revokedAt: stored.revokedAt ?? at };
    this.state.tokens.set(id, revoked);
    return toApiToken(revoked);
  }

  async revokeForOwner(ownerId: string, at: Date): Promise<ApiToken[]> {
    this.guard();
    const revoked: ApiToken[] = [];
    for (const stored of this.state.tokens.values()) {
      if (stored.ownerId !== ownerId || stored.revokedAt !== null) continue;
      const changed = { ...stored, revokedAt: at };
      this.state.tokens.set(stored.id, changed);
      revoked.push(toApiToken(changed));
    }
    return revoked;
  }

  async touch(id: string, at: Date): Promise<void> {
    this.guard();
    const stored = this.state.tokens.get(id);
    if (stored) this.state.tokens.set(id, { ...stored, lastUsedAt: at });
  }
}

function toApiToken({ secretHash: _secret, ...token }: StoredApiToken): ApiToken {
  return { ...token };
}

export class InMemoryInvitationRepository extends InMemoryRepository implements Ports.InvitationRepository {
  async create(invitation: { userId: string; secretHash: string; createdAt: Date; expiresAt: Date }): Promise<Invitation> {
    this.guard();
    if (!this.state.users.has(invitation.userId)) throw new Error(`Cannot invite user ${invitation.userId}`);
    const stored = { ...invitation, id: randomUUID(), usedAt: null };
    this.state.invitations.set(stored.id, stored);
    return toInvitation(stored);
  }

  async getBySecretHash(secretHash: string): Promise<Invitation | null> {
    this.guard();
    const stored = [...this.state.invitations.values()].find((invitation) => invitation.secretHash === secretHash);
    return stored ? toInvitation(stored) : null;
  }

  async markUsed(id: string, at: Date): Promise<boolean> {
    this.guard();
    const stored = this.state.invitations.get(id);
    if (!stored || stored.usedAt) return false;
    this.state.invitations.set(id, { ...stored, usedAt: at });
    return true;
  }

  async retireForUser(userId: string, at: Date): Promise<void> {
    this.guard();
    for (const stored of [...this.state.invitations.values()]) {
      if (stored.userId === userId && !stored.usedAt) this.state.invitations.set(stored.id, { ...stored, usedAt: at });
    }
  }

  async deleteExpiredBefore(before: Date): Promise<number> {
    this.guard();
    return deleteWhere(this.state.invitations, (stored) => stored.expiresAt < before);
  }
}

export class InMemoryKnownDeviceRepository extends InMemoryRepository implements Ports.KnownDeviceRepository {
  async get(id: string): Promise<KnownDevice | null> {
    this.guard();
    const device = this.state.devices.get(id);
    return device ? { ...device } : null;
  }

  async save(device: { id: string; userId: string; at: Date }): Promise<void> {
    this.guard();
    if (!this.state.users.has(device.userId)) throw new Error(`Cannot remember a device for user ${device.userId}`);
    const existing = this.state.devices.get(device.id);
    this.state.devices.set(device.id, {
      id: device.id,
      userId: existing?.userId ?? device.userId,
      createdAt: existing?.createdAt ?? device.at,
      lastUsedAt: device.at,
    });
  }

  async deleteUnusedBefore(before: Date): Promise<number> {
    this.guard();
    return deleteWhere(this.state.devices, (device) => device.lastUsedAt < before);
  }
}

function toInvitation({ secretHash: _secret, ...invitation }: StoredInvitation): Invitation {
  return { ...invitation };
}

export class InMemorySignInFailureRepository extends InMemoryRepository implements Ports.SignInFailureRepository {
  async lock(): Promise<void> {
    this.guard(); // units of work run one at a time here: nothing to wait for
  }

  async record(keys: readonly string[], at: Date): Promise<string[]> {
    this.guard();
    return keys.map((key) => {
      const id = String(this.state.nextFailureId++);
      this.state.signInFailures.push({ id, key, at });
      return id;
    });
  }

  async countSince(key: string, since: Date): Promise<{ count: number; earliest: Date | null; latest: Date | null }> {
    this.guard();
    const times = this.state.signInFailures
      .filter((failure) => failure.key === key && failure.at > since)
      .map((failure) => failure.at.getTime());
    return times.length
      ? { count: times.length, earliest: new Date(Math.min(...times)), latest: new Date(Math.max(...times)) }
      : { count: 0, earliest: null, latest: null };
  }

  async remove(ids: readonly string[]): Promise<void> {
    this.guard();
    this.state.signInFailures = this.state.signInFailures.filter((failure) => !ids.includes(failure.id));
  }

  async clear(key: string): Promise<number> {
    return this.removeWhere((failure) => failure.key === key);
  }

  async deleteBefore(before: Date): Promise<number> {
    return this.removeWhere((failure) => failure.at < before);
  }

  private removeWhere(gone: (failure: { key: string; at: Date }) => boolean): number {
    this.guard();
    const before = this.state.signInFailures.length;
    this.state.signInFailures = this.state.signInFailures.filter((failure) => !gone(failure));
    return before - this.state.signInFailures.length;
  }
}

/** Units of work run one at a time here, so a claim needs no lock of its own. */
export class InMemoryIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly state: InMemoryState,
    private readonly guard: () => void,
  ) {}

  async claim(scope: string, key: string, options: { notBefore: Date }): Promise<IdempotencyRecord | null> {
    this.guard();
    const record = this.state.idempotency.get(`${scope} ${key}`);
    return record && record.createdAt >= options.notBefore ? structuredClone(record) : null;
  }

  async save(record: IdempotencyRecord, options: { expiredBefore: Date }): Promise<void> {
    this.guard();
    for (const [id, stored] of this.state.idempotency) {
      if (stored.createdAt < options.expiredBefore) this.state.idempotency.delete(id);
    }
    // Stored as the database stores JSON: what comes back is a copy, never the caller's object.
    const result: unknown = JSON.parse(JSON.stringify(record.result));
    this.state.idempotency.set(`${record.scope} ${record.key}`, { ...record, result });
  }
}
