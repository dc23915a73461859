/**
 * The audit log and the sign-in stores (credentials, sessions, API tokens, invitations, sign-in failures): part
 * of the one database contract (user-repository.contract.ts calls this inside its describe), so every
 * implementation runs it.
 */
import { beforeEach, expect, it } from "vitest";

import type { NewAuditEntry } from "../../lib/domain/audit";
import type { Session } from "../../lib/domain/auth";
import type { AuditLog } from "../../lib/ports/audit-log";
import type { Repositories, UnitOfWork } from "../../lib/ports/unit-of-work";

const NO_SUCH_ID = "00000000-0000-4000-8000-000000000000";
const HASH_A = "a".repeat(64);
const HASH_B = "b".repeat(64);
const HASH_C = "c".repeat(64);

export function auditAbout(userId: string, action: string, extra: Partial<NewAuditEntry> = {}): NewAuditEntry {
  return { action, actor: { type: "system", id: null, label: "system" }, target: { type: "user", id: userId }, ...extra };
}

/** Every entry about one user, newest first. */
export async function auditOf(audit: AuditLog, userId: string) {
  return (await audit.list({ targetType: "user", targetId: userId, limit: 200 })).items;
}

export function authRepositoriesContract(currentUnitOfWork: () => UnitOfWork): void {
  let unitOfWork: UnitOfWork;
  beforeEach(() => {
    unitOfWork = currentUnitOfWork();
  });
  const inUnit = <T>(work: (repos: Repositories) => Promise<T>) => unitOfWork.run(work);
  const createUser = (email: string) =>
    inUnit(({ users }) => users.create({ email, name: "Some Body", role: "VIEWER", status: "ACTIVE" }));

  it("audit: appends entries with actor, target, data and request ids, and lists them newest first", async () => {
    const ada = await createUser("ada@example.com");
    const admin = { type: "user" as const, id: ada.id, label: "ada@example.com" };
    const [first, , third] = await inUnit(async ({ audit }) => [
      await audit.append(auditAbout(ada.id, "user.created", { data: { after: { role: "VIEWER" } }, requestId: "req-1" })),
      await audit.append(auditAbout(NO_SUCH_ID, "user.created")),
      await audit.append({
        action: "user.updated",
        actor: admin,
        target: { type: "user", id: ada.id },
        data: { before: { status: "ACTIVE" }, after: { status: "DISABLED" } },
        traceId: "0af7651916cd43dd8448eb211c80319c",
      }),
    ]);
    expect(first).toMatchObject({
      action: "user.created",
      actor: { type: "system", id: null, label: "system" },
      target: { type: "user", id: ada.id },
      data: { after: { role: "VIEWER" } },
      requestId: "req-1",
      traceId: null,
    });
    expect(first?.createdAt).toBeInstanceOf(Date);
    const entries = await inUnit(({ audit }) => auditOf(audit, ada.id));
    expect(entries.map((entry) => entry.action)).toEqual(["user.updated", "user.created"]);
    expect(entries[0]).toEqual(third);
  });

  it("audit: filters by action, actor id or label, target and time, and pages by cursor without gaps", async () => {
    const ada = await createUser("ada@example.com");
    const actor = { type: "user" as const, id: ada.id, label: "ada@example.com" };
    await inUnit(async ({ audit }) => {
      for (let i = 0; i < 7; i++) {
        await audit.append({ action: i % 2 ? "token.created" : "user.updated", actor, target: { type: "token", id: null } });
      }
      await audit.append(auditAbout(ada.id, "user.updated"));
    });
    const all = await inUnit(({ audit }) => audit.list({ limit: 200 }));
    expect(all.items).toHaveLength(8);
    expect(all.nextCursor).toBeNull();

    const byActorId = await inUnit(({ audit }) => audit.list({ actor: ada.id, limit: 200 }));
    expect(byActorId.items).toHaveLength(7);
    const byLabel = await inUnit(({ audit }) => audit.list({ actor: "ada@example.com", limit: 200 }));
    expect(byLabel.items.map((e) => e.id)).toEqual(byActorId.items.map((e) => e.id));
    const tokens = await inUnit(({ audit }) => audit.list({ action: "token.created", targetType: "token", limit: 200 }));
    expect(tokens.items).toHaveLength(3);
    const future = new Date(Date.now() + 60_000);
    expect((await inUnit(({ audit }) => audit.list({ from: future, limit: 10 }))).items).toEqual([]);
    expect((await inUnit(({ audit }) => audit.list({ to: future, limit: 10 }))).items).toHaveLength(8);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await inUnit(({ audit }) => audit.list({ limit: 3, cursor }));
      seen.push(...page.items.map((entry) => entry.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(all.items.map((entry) => entry.id));
    await expect(inUnit(({ audit }) => audit.list({ limit: 3, cursor: "nonsense" }))).rejects.toMatchObject({
      code: "INVALID_CURSOR",
    });
  });

  it("audit: an entry the store refuses fails the unit, and the change it described rolls back with it", async () => {
    const ada = await createUser("ada@example.com");
    await expect(
      inUnit(async ({ users, audit }) => {
        await users.update(ada.id, () => ({ status: "DISABLED" }));
        // Longer than the action column allows: the insert itself fails, in the database as in memory.
        await audit.append(auditAbout(ada.id, "x".repeat(65)));
      }),
    ).rejects.toThrow();
    expect(await inUnit(({ users }) => users.getById(ada.id))).toMatchObject({ status: "ACTIVE", version: 1 });
    expect(await inUnit(({ audit }) => auditOf(audit, ada.id))).toEqual([]);
  });

  it("credentials: none until set, then replaced by the next set", async () => {
    const ada = await createUser("ada@example.com");
    expect(await inUnit(({ credentials }) => credentials.get(ada.id))).toBeNull();
    const one = new Date("2026-12-01T10:00:00.000Z");
    const two = new Date("2026-12-02T11:30:00.000Z");
    await inUnit(({ credentials }) => credentials.set(ada.id, { passwordHash: "$argon2id$one", mustChangePassword: true, setAt: one }));
    expect(await inUnit(({ credentials }) => credentials.get(ada.id))).toEqual({
      passwordHash: "$argon2id$one",
      mustChangePassword: true,
      setAt: one,
    });
    await inUnit(({ credentials }) => credentials.set(ada.id, { passwordHash: "$argon2id$two", mustChangePassword: false, setAt: two }));
    // When it was set is kept as given (a one-time password expires a day after it: issue 18, item 10).
    expect(await inUnit(({ credentials }) => credentials.get(ada.id))).toEqual({
      passwordHash: "$argon2id$two",
      mustChangePassword: false,
      setAt: two,
    });
    expect(await inUnit(({ credentials }) => credentials.get(NO_SUCH_ID))).toBeNull();
  });

  it("sessions: create, read, touch, list most recent first, delete one, delete all but one", async () => {
    const ada = await createUser("ada@example.com");
    const at = new Date("2026-11-25T08:00:00.000Z");
    const session = (id: string, minutes: number): Session => ({
      id,
      userId: ada.id,
      createdAt: at,
      lastSeenAt: new Date(at.getTime() + minutes * 60_000),
      userAgent: "test",
      ip: "127.0.0.1",
    });
    await inUnit(async ({ sessions }) => {
      await sessions.create(session(HASH_A, 0));
      await sessions.create(session(HASH_B, 5));
      await sessions.create(session("c".repeat(64), 1));
    });
    expect(await inUnit(({ sessions }) => sessions.get(HASH_A))).toEqual(session(HASH_A, 0));
    await inUnit(({ sessions }) => sessions.touch(HASH_A, new Date(at.getTime() + 10 * 60_000)));
    await inUnit(({ sessions }) => sessions.touch("d".repeat(64), at)); // gone: ignored
    const listed = await inUnit(({ sessions }) => sessions.listForUser(ada.id));
    expect(listed.map((s) => s.id)).toEqual([HASH_A, HASH_B, "c".repeat(64)]);
    expect(await inUnit(({ sessions }) => sessions.delete(HASH_B))).toBe(true);
    expect(await inUnit(({ sessions }) => sessions.delete(HASH_B))).toBe(false);
    expect(await inUnit(({ sessions }) => sessions.deleteForUser(ada.id, { exceptId: HASH_A }))).toBe(1);
    expect((await inUnit(({ sessions }) => sessions.listForUser(ada.id))).map((s) => s.id)).toEqual([HASH_A]);
    expect(await inUnit(({ sessions }) => sessions.get(HASH_B))).toBeNull();
  });

  it("API tokens: found by secret hash and id, listed newest first, revoked once, touched", async () => {
    const ada = await createUser("ada@example.com");
    const t0 = new Date("2026-11-25T08:00:00.000Z");
    const created = await inUnit(async ({ tokens }) => [
      await tokens.create({
        name: "ci",
        role: "VIEWER",
        secretHash: HASH_A,
        prefix: "uct_aaaa",
        createdBy: "ada@example.com",
        ownerId: ada.id,
        createdAt: t0,
        expiresAt: new Date(t0.getTime() + 90 * 86_400_000),
      }),
      await tokens.create({
        name: "etl",
        role: "EDITOR",
        secretHash: HASH_B,
        prefix: "uct_bbbb",
        createdBy: "ada@example.com",
        ownerId: ada.id,
        createdAt: new Date(t0.getTime() + 1_000),
        expiresAt: new Date(t0.getTime() + 86_400_000),
      }),
    ]);
    const [ci, etl] = created;
    expect(ci).toMatchObject({ name: "ci", role: "VIEWER", prefix: "uct_aaaa", ownerId: ada.id, lastUsedAt: null, revokedAt: null });
    expect(ci).not.toHaveProperty("secretHash");
    expect(await inUnit(({ tokens }) => tokens.getBySecretHash(HASH_B))).toEqual(etl);
    expect(await inUnit(({ tokens }) => tokens.getById(ci?.id ?? ""))).toEqual(ci);
    expect(await inUnit(({ tokens }) => tokens.getById("not-a-uuid"))).toBeNull();
    expect((await inUnit(({ tokens }) => tokens.list())).map((t) => t.name)).toEqual(["etl", "ci"]);

    const revokedAt = new Date(t0.getTime() + 5_000);
    const revoked = await inUnit(({ tokens }) => tokens.revoke(ci?.id ?? "", revokedAt));
    expect(revoked?.revokedAt).toEqual(revokedAt);
    const again = await inUnit(({ tokens }) => tokens.revoke(ci?.id ?? "", new Date(t0.getTime() + 9_000)));
    expect(again?.revokedAt).toEqual(revokedAt);
    expect(await inUnit(({ tokens }) => tokens.revoke(NO_SUCH_ID, revokedAt))).toBeNull();

    await inUnit(({ tokens }) => tokens.touch(etl?.id ?? "", revokedAt));
    expect((await inUnit(({ tokens }) => tokens.getById(etl?.id ?? "")))?.lastUsedAt).toEqual(revokedAt);

    // The owner's tokens, at once: only those not revoked yet, and only theirs.
    const bob = await createUser("bob@example.com");
    const bobs = await inUnit(({ tokens }) =>
      tokens.create({ name: "bob's", role: "VIEWER", secretHash: HASH_C, prefix: "uct_cccc", createdBy: "bob@example.com", ownerId: bob.id, createdAt: t0, expiresAt: new Date(t0.getTime() + 86_400_000) }),
    );
    const ownerGone = new Date(t0.getTime() + 20_000);
    const swept = await inUnit(({ tokens }) => tokens.revokeForOwner(ada.id, ownerGone));
    expect(swept.map((token) => [token.name, token.revokedAt])).toEqual([["etl", ownerGone]]);
    expect((await inUnit(({ tokens }) => tokens.getById(ci?.id ?? "")))?.revokedAt).toEqual(revokedAt);
    expect((await inUnit(({ tokens }) => tokens.getById(bobs.id)))?.revokedAt).toBeNull();
    expect(await inUnit(({ tokens }) => tokens.revokeForOwner(ada.id, ownerGone))).toEqual([]);
  });

  it("invitations: found by secret hash, used at most once, retired by a newer one", async () => {
    const ada = await createUser("ada@example.com");
    const t0 = new Date("2026-11-25T08:00:00.000Z");
    const expiresAt = new Date(t0.getTime() + 7 * 86_400_000);
    const first = await inUnit(({ invitations }) =>
      invitations.create({ userId: ada.id, secretHash: HASH_A, createdAt: t0, expiresAt }),
    );
    expect(first).toMatchObject({ userId: ada.id, createdAt: t0, expiresAt, usedAt: null });
    expect(await inUnit(({ invitations }) => invitations.getBySecretHash(HASH_A))).toEqual(first);
    expect(await inUnit(({ invitations }) => invitations.markUsed(first.id, t0))).toBe(true);
    expect(await inUnit(({ invitations }) => invitations.markUsed(first.id, t0))).toBe(false);

    const second = await inUnit(({ invitations }) =>
      invitations.create({ userId: ada.id, secretHash: HASH_B, createdAt: t0, expiresAt }),
    );
    await inUnit(({ invitations }) => invitations.retireForUser(ada.id, t0));
    expect((await inUnit(({ invitations }) => invitations.getBySecretHash(HASH_B)))?.usedAt).toEqual(t0);
    expect(await inUnit(({ invitations }) => invitations.markUsed(second.id, t0))).toBe(false);
  });

  it("sign-in failures: counted per key after an instant (exclusive), earliest and latest reported, cleared per key", async () => {
    const t0 = new Date("2026-11-25T08:00:00.000Z");
    const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
    await inUnit(async ({ signInFailures }) => {
      await signInFailures.record(["account:ada@example.com", "ip:10.0.0.1"], at(0));
      await signInFailures.record(["account:ada@example.com", "ip:10.0.0.1"], at(5));
      await signInFailures.record(["ip:10.0.0.1"], at(10));
    });
    expect(await inUnit(({ signInFailures }) => signInFailures.countSince("ip:10.0.0.1", at(-1)))).toEqual({
      count: 3,
      earliest: at(0),
      latest: at(10),
    });
    expect((await inUnit(({ signInFailures }) => signInFailures.countSince("ip:10.0.0.1", at(0)))).count).toBe(2);
    expect(await inUnit(({ signInFailures }) => signInFailures.countSince("account:ada@example.com", at(1)))).toEqual({
      count: 1,
      earliest: at(5),
      latest: at(5),
    });
    // Records counted in advance for an attempt that succeeded are removed by id, and only those.
    const ids = await inUnit(async ({ signInFailures }) => {
      await signInFailures.lock(["ip:10.0.0.1"]);
      return signInFailures.record(["ip:10.0.0.1"], at(11));
    });
    expect(ids).toHaveLength(1);
    expect((await inUnit(({ signInFailures }) => signInFailures.countSince("ip:10.0.0.1", at(-1)))).count).toBe(4);
    await inUnit(({ signInFailures }) => signInFailures.remove(ids));
    expect((await inUnit(({ signInFailures }) => signInFailures.countSince("ip:10.0.0.1", at(-1)))).count).toBe(3);

    expect(await inUnit(({ signInFailures }) => signInFailures.clear("account:ada@example.com"))).toBe(2);
    expect(await inUnit(({ signInFailures }) => signInFailures.countSince("account:ada@example.com", at(-1)))).toEqual({
      count: 0,
      earliest: null,
      latest: null,
    });
    expect((await inUnit(({ signInFailures }) => signInFailures.countSince("ip:10.0.0.1", at(-1)))).count).toBe(3);
    // The clean-up deletes by age whatever the key: before 5 minutes goes the one at 0, not the one at 5.
    expect(await inUnit(({ signInFailures }) => signInFailures.deleteBefore(at(5)))).toBe(1);
    expect(await inUnit(({ signInFailures }) => signInFailures.countSince("ip:10.0.0.1", at(-1)))).toMatchObject({ count: 2, earliest: at(5) });
  });

  it("known devices: saved once per id, marked used again, read back, purged when unused too long (issue 18)", async () => {
    const ada = await createUser("ada@example.com");
    const at = (days: number) => new Date(Date.UTC(2026, 10, 1 + days));
    await inUnit(async ({ devices }) => {
      await devices.save({ id: HASH_A, userId: ada.id, at: at(0) });
      await devices.save({ id: HASH_B, userId: ada.id, at: at(0) });
      await devices.save({ id: HASH_A, userId: ada.id, at: at(3) });
    });
    expect(await inUnit(({ devices }) => devices.get(HASH_A))).toEqual({ id: HASH_A, userId: ada.id, createdAt: at(0), lastUsedAt: at(3) });
    expect(await inUnit(({ devices }) => devices.get("c".repeat(64)))).toBeNull();
    expect(await inUnit(({ devices }) => devices.deleteUnusedBefore(at(1)))).toBe(1);
    expect(await inUnit(({ devices }) => devices.get(HASH_B))).toBeNull();
    expect(await inUnit(({ devices }) => devices.get(HASH_A))).not.toBeNull();
  });

  it("clean-up: expired sessions and invitations go, live ones stay (issue 18)", async () => {
    const ada = await createUser("ada@example.com");
    const now = new Date("2026-11-25T12:00:00.000Z");
    const ago = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
    const session = (id: string, createdAt: Date, lastSeenAt: Date): Session => ({
      id, userId: ada.id, createdAt, lastSeenAt, userAgent: null, ip: null,
    });
    await inUnit(async ({ sessions, invitations }) => {
      await sessions.create(session(HASH_A, ago(60), ago(29))); // live
      await sessions.create(session(HASH_B, ago(60), ago(31))); // idle too long
      await sessions.create(session("c".repeat(64), ago(13 * 60), ago(1))); // past the absolute limit
      await invitations.create({ userId: ada.id, secretHash: HASH_A, createdAt: ago(100), expiresAt: ago(1) });
      await invitations.create({ userId: ada.id, secretHash: HASH_B, createdAt: ago(100), expiresAt: ago(-60) });
    });
    expect(await inUnit(({ sessions }) => sessions.deleteExpired(now))).toBe(2);
    expect((await inUnit(({ sessions }) => sessions.listForUser(ada.id))).map((s) => s.id)).toEqual([HASH_A]);
    expect(await inUnit(({ invitations }) => invitations.deleteExpiredBefore(now))).toBe(1);
    expect(await inUnit(({ invitations }) => invitations.getBySecretHash(HASH_A))).toBeNull();
    expect(await inUnit(({ invitations }) => invitations.getBySecretHash(HASH_B))).not.toBeNull();
  });

  it("users: lists active admins who have a password, and says whether the table is empty", async () => {
    expect(await inUnit(({ users }) => users.isEmpty())).toBe(true);
    const admins = await inUnit(async ({ users }) => [
      await users.create({ email: "a1@example.com", name: "A1", role: "ADMIN", status: "ACTIVE" }),
      await users.create({ email: "a2@example.com", name: "A2", role: "ADMIN", status: "DISABLED" }),
      await users.create({ email: "a3@example.com", name: "A3", role: "ADMIN", status: "ACTIVE" }),
      await users.create({ email: "e1@example.com", name: "E1", role: "EDITOR", status: "ACTIVE" }),
    ]);
    const credential = { passwordHash: "$argon2id$x", mustChangePassword: false, setAt: new Date() };
    await inUnit(async ({ users, credentials }) => {
      for (const admin of admins.slice(0, 3)) await credentials.set(admin?.id ?? "", credential);
      await users.softDelete(admins[2]?.id ?? "");
      // An active admin without a password is no admin anyone can sign in as: not counted.
      await users.create({ email: "a4@example.com", name: "A4", role: "ADMIN", status: "ACTIVE" });
    });
    expect(await inUnit(({ users }) => users.isEmpty())).toBe(false);
    expect(await inUnit(({ users }) => users.lockActiveAdmins())).toEqual([admins[0]?.id]);
  });
}
