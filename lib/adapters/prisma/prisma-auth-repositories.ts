import { SESSION_ABSOLUTE_MS, SESSION_IDLE_MS, type ApiToken, type Invitation, type KnownDevice, type Session } from "../../domain/auth";
import type {
  ApiTokenRepository,
  CredentialRepository,
  InvitationRepository,
  KnownDeviceRepository,
  NewApiToken,
  SessionRepository,
  SignInFailureRepository,
  StoredCredential,
} from "../../ports/auth-repositories";
import type { IdempotencyRecord, IdempotencyStore } from "../../ports/idempotency-store";
import type { Prisma, ApiToken as ApiTokenRow, Invitation as InvitationRow } from "./generated/client.ts";
import { isUuid } from "./prisma-user-repository";

/** Every repository here works on the unit's transaction client and checks the unit's guard first. */
abstract class PrismaRepository {
  constructor(
    protected readonly tx: Prisma.TransactionClient,
    protected readonly guard: () => void,
  ) {}
}

export class PrismaCredentialRepository extends PrismaRepository implements CredentialRepository {
  async get(userId: string): Promise<StoredCredential | null> {
    this.guard();
    if (!isUuid(userId)) return null;
    const row = await this.tx.credential.findUnique({ where: { userId } });
    return row ? { passwordHash: row.passwordHash, mustChangePassword: row.mustChangePassword, setAt: row.updatedAt } : null;
  }

  async set(userId: string, { setAt, ...credential }: StoredCredential): Promise<void> {
    this.guard();
    // updated_at is when the password was set: the row changes with nothing else.
    const data = { ...credential, updatedAt: setAt };
    await this.tx.credential.upsert({ where: { userId }, create: { userId, ...data }, update: data });
  }
}

export class PrismaSessionRepository extends PrismaRepository implements SessionRepository {
  async create(session: Session): Promise<Session> {
    this.guard();
    return this.tx.session.create({ data: session });
  }

  async get(id: string): Promise<Session | null> {
    this.guard();
    return this.tx.session.findUnique({ where: { id } });
  }

  async touch(id: string, at: Date): Promise<void> {
    this.guard();
    await this.tx.session.updateMany({ where: { id }, data: { lastSeenAt: at } });
  }

  async delete(id: string): Promise<boolean> {
    this.guard();
    return (await this.tx.session.deleteMany({ where: { id } })).count > 0;
  }

  async deleteExpired(now: Date): Promise<number> {
    this.guard();
    // The expiry rule of domain/auth.ts `sessionExpiry`, as a filter: idle too long, or too long since sign-in.
    const idleSince = new Date(now.getTime() - SESSION_IDLE_MS);
    const signedInBefore = new Date(now.getTime() - SESSION_ABSOLUTE_MS);
    const where = { OR: [{ lastSeenAt: { lte: idleSince } }, { createdAt: { lte: signedInBefore } }] };
    return (await this.tx.session.deleteMany({ where })).count;
  }

  async listForUser(userId: string): Promise<Session[]> {
    this.guard();
    if (!isUuid(userId)) return [];
    return this.tx.session.findMany({ where: { userId }, orderBy: [{ lastSeenAt: "desc" }, { id: "asc" }] });
  }

  async deleteForUser(userId: string, options: { exceptId?: string } = {}): Promise<number> {
    this.guard();
    if (!isUuid(userId)) return 0;
    const where: Prisma.SessionWhereInput = { userId };
    if (options.exceptId !== undefined) where.id = { not: options.exceptId };
    return (await this.tx.session.deleteMany({ where })).count;
  }
}

export class PrismaApiTokenRepository extends PrismaRepository implements ApiTokenRepository {
  async create(token: NewApiToken): Promise<ApiToken> {
    this.guard();
    return toApiToken(await this.tx.apiToken.create({ data: token }));
  }

  async getBySecretHash(secretHash: string): Promise<ApiToken | null> {
    this.guard();
    const row = await this.tx.apiToken.findUnique({ where: { secretHash } });
    return row ? toApiToken(row) : null;
  }

  async getById(id: string): Promise<ApiToken | null> {
    this.guard();
    if (!isUuid(id)) return null;
    const row = await this.tx.apiToken.findUnique({ where: { id } });
    return row ? toApiToken(row) : null;
  }

  async list(): Promise<ApiToken[]> {
    this.guard();
    const rows = await this.tx.apiToken.findMany({ orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
    return rows.map(toApiToken);
  }

  async revoke(id: string, at: Date): Promise<ApiToken | null> {
    this.guard();
    if (!isUuid(id)) return null;
    // Only the first revocation sets the time; a second one reads the token back unchanged.
    await this.tx.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: at } });
    const row = await this.tx.apiToken.findUnique({ where: { id } });
    return row ? toApiToken(row) : null;
  }

  async revokeForOwner(ownerId: string, at: Date): Promise<ApiToken[]> {
    this.guard();
    if (!isUuid(ownerId)) return [];
    const rows = await this.tx.apiToken.updateManyAndReturn({ where: { ownerId, revokedAt: null }, data: { revokedAt: at } });
    return rows.map(toApiToken);
  }

  async touch(id: string, at: Date): Promise<void> {
    this.guard();
    await this.tx.apiToken.updateMany({ where: { id }, data: { lastUsedAt: at } });
  }
}

function toApiToken({ secretHash: _secret, ...token }: ApiTokenRow): ApiToken {
  return token;
}

export class PrismaInvitationRepository extends PrismaRepository implements InvitationRepository {
  async create(invitation: { userId: string; secretHash: string; createdAt: Date; expiresAt: Date }): Promise<Invitation> {
    this.guard();
    return toInvitation(await this.tx.invitation.create({ data: invitation }));
  }

  async getBySecretHash(secretHash: string): Promise<Invitation | null> {
    this.guard();
    const row = await this.tx.invitation.findUnique({ where: { secretHash } });
    return row ? toInvitation(row) : null;
  }

  async markUsed(id: string, at: Date): Promise<boolean> {
    this.guard();
    // A conditional update: of two units accepting the same invitation, the second finds it used.
    return (await this.tx.invitation.updateMany({ where: { id, usedAt: null }, data: { usedAt: at } })).count === 1;
  }

  async retireForUser(userId: string, at: Date): Promise<void> {
    this.guard();
    await this.tx.invitation.updateMany({ where: { userId, usedAt: null }, data: { usedAt: at } });
  }

  async deleteExpiredBefore(before: Date): Promise<number> {
    this.guard();
    return (await this.tx.invitation.deleteMany({ where: { expiresAt: { lt: before } } })).count;
  }
}

export class PrismaKnownDeviceRepository extends PrismaRepository implements KnownDeviceRepository {
  async get(id: string): Promise<KnownDevice | null> {
    this.guard();
    return this.tx.knownDevice.findUnique({ where: { id } });
  }

  async save(device: { id: string; userId: string; at: Date }): Promise<void> {
    this.guard();
    await this.tx.knownDevice.upsert({
      where: { id: device.id },
      create: { id: device.id, userId: device.userId, createdAt: device.at, lastUsedAt: device.at },
      update: { lastUsedAt: device.at },
    });
  }

  async deleteUnusedBefore(before: Date): Promise<number> {
    this.guard();
    return (await this.tx.knownDevice.deleteMany({ where: { lastUsedAt: { lt: before } } })).count;
  }
}

function toInvitation({ secretHash: _secret, ...invitation }: InvitationRow): Invitation {
  return invitation;
}

export class PrismaSignInFailureRepository extends PrismaRepository implements SignInFailureRepository {
  async lock(keys: readonly string[]): Promise<void> {
    this.guard();
    // Transaction-scoped advisory locks, in a fixed order so two units locking the same keys cannot deadlock.
    for (const key of [...new Set(keys)].sort()) {
      await this.tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`sign-in:${key}`}, 0))`;
    }
  }

  async record(keys: readonly string[], at: Date): Promise<string[]> {
    this.guard();
    const rows = await this.tx.signInFailure.createManyAndReturn({
      data: keys.map((key) => ({ key, createdAt: at })),
      select: { id: true },
    });
    return rows.map((row) => String(row.id));
  }

  async countSince(key: string, since: Date): Promise<{ count: number; earliest: Date | null; latest: Date | null }> {
    this.guard();
    const result = await this.tx.signInFailure.aggregate({
      where: { key, createdAt: { gt: since } },
      _count: { _all: true },
      _min: { createdAt: true },
      _max: { createdAt: true },
    });
    return { count: result._count._all, earliest: result._min.createdAt, latest: result._max.createdAt };
  }

  async remove(ids: readonly string[]): Promise<void> {
    this.guard();
    const numeric = ids.filter((id) => /^\d{1,19}$/.test(id)).map((id) => BigInt(id));
    await this.tx.signInFailure.deleteMany({ where: { id: { in: numeric } } });
  }

  async clear(key: string): Promise<number> {
    this.guard();
    return (await this.tx.signInFailure.deleteMany({ where: { key } })).count;
  }

  async deleteBefore(before: Date): Promise<number> {
    this.guard();
    return (await this.tx.signInFailure.deleteMany({ where: { createdAt: { lt: before } } })).count;
  }
}

export class PrismaIdempotencyStore extends PrismaRepository implements IdempotencyStore {
  async claim(scope: string, key: string, options: { notBefore: Date }): Promise<IdempotencyRecord | null> {
    this.guard();
    // The row may not exist yet, so a row lock cannot hold the key: a transaction-scoped advisory lock does.
    await this.tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`idempotency:${scope} ${key}`}, 0))`;
    const row = await this.tx.idempotencyKey.findUnique({ where: { scope_key: { scope, key } } });
    return row && row.createdAt >= options.notBefore ? row : null;
  }

  async save(record: IdempotencyRecord, options: { expiredBefore: Date }): Promise<void> {
    this.guard();
    // The port promises JSON in `result`; Prisma types its JSON input more narrowly than `unknown`.
    const data = { fingerprint: record.fingerprint, result: record.result as Prisma.InputJsonValue, createdAt: record.createdAt };
    await this.tx.idempotencyKey.upsert({
      where: { scope_key: { scope: record.scope, key: record.key } },
      create: { scope: record.scope, key: record.key, ...data },
      update: data,
    });
    // Expired records of anyone go with each new one (by the created_at index): the table holds about a day.
    await this.tx.idempotencyKey.deleteMany({ where: { createdAt: { lt: options.expiredBefore } } });
  }
}
