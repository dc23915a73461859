/**
 * Accounts and the rules about them (issue 4 items 4-6 and 10): invitations, one-time passwords, own password
 * and sessions, the last admin, editors and admins, access ending at the next request, and the audit log
 * committing or rolling back with the change it records.
 */
import { beforeEach, describe, expect, it } from "vitest";

import { INVITATION_TTL_MS } from "../../lib/domain/auth";
import { BootstrapPasswordRequiredError, makeBootstrapAdmin } from "../../lib/use-cases/bootstrap-admin";
import { createApiHarness, fastTestHasher, manualClock } from "../support/api-harness";

const PASSWORD = "correct horse battery";
let api: Awaited<ReturnType<typeof createApiHarness>>;
let clock: ReturnType<typeof manualClock>;
let admin: string;

beforeEach(async () => {
  clock = manualClock();
  api = await createApiHarness({ hasher: fastTestHasher, clock });
  await api.createUser({ email: "ada@example.com", role: "ADMIN", password: PASSWORD });
  admin = await api.signIn("ada@example.com", PASSWORD);
});

async function userByEmail(email: string) {
  return api.unitOfWork.run(async ({ users }) => users.getByEmail(email));
}

async function patch(cookie: string, id: string, body: object) {
  const current = await api.call("GET", `/api/v1/users/${id}`, { cookie: admin });
  return api.call("PATCH", `/api/v1/users/${id}`, { cookie, body, headers: { "if-match": current.headers.get("etag") ?? "" } });
}

async function remove(cookie: string, id: string) {
  const current = await api.call("GET", `/api/v1/users/${id}`, { cookie: admin });
  return api.call("DELETE", `/api/v1/users/${id}`, { cookie, headers: { "if-match": current.headers.get("etag") ?? "" } });
}

describe("invitations", () => {
  it("invite -> set password -> sign in: the user becomes ACTIVE and the link stops working", async () => {
    const invited = await api.call("POST", "/api/v1/invitations", {
      cookie: admin,
      body: { email: "Grace@Example.com", name: "Grace", role: "EDITOR" },
    });
    expect(invited.status).toBe(201);
    const { user, invitationUrl } = await invited.json();
    expect(user).toMatchObject({ email: "grace@example.com", status: "INVITED", role: "EDITOR" });
    expect(invitationUrl).toMatch(/^http:\/\/localhost:3000\/invitations\/[A-Za-z0-9_-]{43}$/);
    const token = decodeURIComponent(invitationUrl.split("/").at(-1));

    // No password yet: cannot sign in.
    expect((await api.call("POST", "/api/v1/session", { body: { email: "grace@example.com", password: PASSWORD } })).status).toBe(401);
    const accepted = await api.call("POST", "/api/v1/invitations/accept", { body: { token, password: PASSWORD } });
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toEqual({ email: "grace@example.com" });
    expect((await userByEmail("grace@example.com"))?.status).toBe("ACTIVE");
    await expect(api.signIn("grace@example.com", PASSWORD)).resolves.toMatch(/^uc_session=/);

    const again = await api.call("POST", "/api/v1/invitations/accept", { body: { token, password: "another password!" } });
    expect(again.status).toBe(410);
    expect(await again.json()).toMatchObject({ code: "INVITATION_INVALID" });
  });

  it("expires after 7 days", async () => {
    const { invitationUrl } = await (
      await api.call("POST", "/api/v1/invitations", { cookie: admin, body: { email: "late@example.com", name: "Late", role: "VIEWER" } })
    ).json();
    clock.advance(INVITATION_TTL_MS);
    const token = decodeURIComponent(invitationUrl.split("/").at(-1));
    expect((await api.call("POST", "/api/v1/invitations/accept", { body: { token, password: PASSWORD } })).status).toBe(410);
  });

  it("refuses a weak password with a field error and keeps the invitation usable", async () => {
    const { invitationUrl } = await (
      await api.call("POST", "/api/v1/invitations", { cookie: admin, body: { email: "weak@example.com", name: "W", role: "VIEWER" } })
    ).json();
    const token = decodeURIComponent(invitationUrl.split("/").at(-1));
    const weak = await api.call("POST", "/api/v1/invitations/accept", { body: { token, password: "short" } });
    expect(weak.status).toBe(422);
    expect((await weak.json()).errors[0].path).toEqual(["password"]);
    expect((await api.call("POST", "/api/v1/invitations/accept", { body: { token, password: PASSWORD } })).status).toBe(200);
  });

  it("refuses to invite an email that belongs to an active user (409)", async () => {
    const response = await api.call("POST", "/api/v1/invitations", { cookie: admin, body: { email: "ada@example.com", name: "A", role: "VIEWER" } });
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ code: "USER_EMAIL_TAKEN" });
  });
});

describe("the bootstrap admin's one-time password", () => {
  it("allows nothing but changing it, then everything an admin may", async () => {
    const fresh = await createApiHarness({ hasher: fastTestHasher, clock });
    const bootstrap = { unitOfWork: fresh.unitOfWork, hasher: fastTestHasher, clock, mayGenerate: true };
    const created = await makeBootstrapAdmin({ ...bootstrap, email: "root@example.com" })();
    expect(created).toMatchObject({ email: "root@example.com", generated: true, reissued: false });
    expect(created?.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    // A second start finds users and creates nobody.
    expect(await makeBootstrapAdmin({ ...bootstrap, email: "x@example.com" })()).toBeNull();

    const cookie = await fresh.signIn("root@example.com", created?.password ?? "");
    expect(await (await fresh.call("GET", "/api/v1/session", { cookie })).json()).toMatchObject({ mustChangePassword: true });
    const refused = await fresh.call("GET", "/api/v1/users", { cookie });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: "PASSWORD_CHANGE_REQUIRED" });

    const changed = await fresh.call("PUT", "/api/v1/session/password", {
      cookie,
      body: { currentPassword: created?.password, newPassword: PASSWORD },
    });
    expect(changed.status).toBe(204);
    expect((await fresh.call("GET", "/api/v1/users", { cookie })).status).toBe(200);
  });
});

describe("the one-time password's limits (issue 18, item 10)", () => {
  const DAY = 24 * 60 * 60_000;

  it("on PostgreSQL (no password may be generated) an empty database refuses to start without BOOTSTRAP_ADMIN_PASSWORD", async () => {
    const fresh = await createApiHarness({ hasher: fastTestHasher, clock });
    const bootstrap = { unitOfWork: fresh.unitOfWork, hasher: fastTestHasher, clock, email: "root@example.com", mayGenerate: false };
    const refused = makeBootstrapAdmin(bootstrap)();
    await expect(refused).rejects.toThrow(BootstrapPasswordRequiredError);
    await expect(refused).rejects.toThrow(/set BOOTSTRAP_ADMIN_PASSWORD .*Secret user-console/);
    expect(await fresh.unitOfWork.run(({ users }) => users.isEmpty())).toBe(true);
    // Given one, the admin is created with it, and nothing is generated.
    const given = await makeBootstrapAdmin({ ...bootstrap, password: "an operator's password" })();
    expect(given).toMatchObject({ email: "root@example.com", password: "an operator's password", generated: false });
  });

  it("signs in for 24 hours, then is refused with a clear message while a wrong password still reads as wrong", async () => {
    const fresh = await createApiHarness({ hasher: fastTestHasher, clock });
    const bootstrap = { unitOfWork: fresh.unitOfWork, hasher: fastTestHasher, clock, email: "root@example.com", mayGenerate: true };
    const created = await makeBootstrapAdmin(bootstrap)();
    const oneTime = created?.password ?? "";
    clock.advance(DAY - 60_000);
    await expect(fresh.signIn("root@example.com", oneTime)).resolves.toBeTruthy();
    clock.advance(60_000);
    const signIn = (password: string) =>
      fresh.call("POST", "/api/v1/session", { body: { email: "root@example.com", password } });
    const expired = await signIn(oneTime);
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject({ code: "ONE_TIME_PASSWORD_EXPIRED", detail: expect.stringMatching(/expired 24 hours/) });
    expect(await (await signIn("not the password at all")).json()).toMatchObject({ code: "INVALID_CREDENTIALS" });

    // The next start issues a new one (and seeds nothing); the old one is dead, the new one leads to Settings.
    const reissued = await makeBootstrapAdmin(bootstrap)();
    expect(reissued).toMatchObject({ email: "root@example.com", generated: true, reissued: true });
    expect(reissued?.password).not.toBe(oneTime);
    expect(await (await signIn(oneTime)).json()).toMatchObject({ code: "INVALID_CREDENTIALS" });
    const cookie = await fresh.signIn("root@example.com", reissued?.password ?? "");
    expect(await (await fresh.call("GET", "/api/v1/session", { cookie })).json()).toMatchObject({ mustChangePassword: true });
    // A password the admin chose never expires, and a start then leaves it alone.
    await fresh.call("PUT", "/api/v1/session/password", { cookie, body: { currentPassword: reissued?.password, newPassword: PASSWORD } });
    clock.advance(30 * DAY);
    expect(await makeBootstrapAdmin(bootstrap)()).toBeNull();
    await expect(fresh.signIn("root@example.com", PASSWORD)).resolves.toBeTruthy();
  });
});

describe("own password and sessions", () => {
  it("requires the current password, and ends the other sessions but not this one", async () => {
    const other = await api.signIn("ada@example.com", PASSWORD);
    const wrong = await api.call("PUT", "/api/v1/session/password", { cookie: admin, body: { currentPassword: "nope", newPassword: "a new password!" } });
    expect(wrong.status).toBe(422);
    expect(await wrong.json()).toMatchObject({ code: "WRONG_PASSWORD" });

    const ok = await api.call("PUT", "/api/v1/session/password", { cookie: admin, body: { currentPassword: PASSWORD, newPassword: "a new password!" } });
    expect(ok.status).toBe(204);
    expect((await api.call("GET", "/api/v1/session", { cookie: admin })).status).toBe(200);
    expect((await api.call("GET", "/api/v1/session", { cookie: other })).status).toBe(401);
    await expect(api.signIn("ada@example.com", "a new password!")).resolves.toBeTruthy();
  });

  it("refuses a new password equal to the current one, or made of spaces, naming the field", async () => {
    for (const newPassword of [PASSWORD, " ".repeat(20)]) {
      const response = await api.call("PUT", "/api/v1/session/password", { cookie: admin, body: { currentPassword: PASSWORD, newPassword } });
      expect(response.status).toBe(422);
      expect((await response.json()).errors[0].path).toEqual(["newPassword"]);
    }
  });

  it("lists one's own sessions, marks the current one, and revokes another", async () => {
    const other = await api.signIn("ada@example.com", PASSWORD, { "user-agent": "Laptop" });
    const { items } = await (await api.call("GET", "/api/v1/session/sessions", { cookie: admin })).json();
    expect(items).toHaveLength(2);
    const laptop = items.find((s: { userAgent: string }) => s.userAgent === "Laptop");
    expect(laptop.current).toBe(false);
    expect(items.filter((s: { current: boolean }) => s.current)).toHaveLength(1);

    expect((await api.call("DELETE", `/api/v1/session/sessions/${laptop.id}`, { cookie: admin })).status).toBe(204);
    expect((await api.call("GET", "/api/v1/session", { cookie: other })).status).toBe(401);
  });

  it("cannot revoke someone else's session (404, not a hint that it exists)", async () => {
    await api.createUser({ email: "bob@example.com", role: "ADMIN", password: PASSWORD });
    const bob = await api.signIn("bob@example.com", PASSWORD);
    const bobs = (await (await api.call("GET", "/api/v1/session/sessions", { cookie: bob })).json()).items;
    const response = await api.call("DELETE", `/api/v1/session/sessions/${bobs[0].id}`, { cookie: admin });
    expect(response.status).toBe(404);
    expect((await api.call("GET", "/api/v1/session", { cookie: bob })).status).toBe(200);
  });
});

describe("who may change whom", () => {
  it("the last active admin cannot be demoted, disabled or deleted; with a second admin they can", async () => {
    const ada = await userByEmail("ada@example.com");
    const id = ada?.id ?? "";
    for (const response of [await patch(admin, id, { role: "EDITOR" }), await patch(admin, id, { status: "DISABLED" }), await remove(admin, id)]) {
      expect(response.status).toBe(409);
      expect(await response.json()).toMatchObject({ code: "LAST_ADMIN" });
    }
    await api.createUser({ email: "bob@example.com", role: "ADMIN", password: PASSWORD });
    expect((await patch(admin, id, { role: "EDITOR" })).status).toBe(200);
  });

  it("an invited user cannot be made ACTIVE by anyone but themselves, by accepting", async () => {
    const { user } = await (
      await api.call("POST", "/api/v1/invitations", { cookie: admin, body: { email: "inv@example.com", name: "I", role: "ADMIN" } })
    ).json();
    expect((await patch(admin, user.id, { status: "ACTIVE" })).status).toBe(403);
    expect((await userByEmail("inv@example.com"))?.status).toBe("INVITED");
  });

  it("an admin without a password does not count as the remaining admin", async () => {
    await api.createUser({ email: "nopass@example.com", role: "ADMIN" });
    const adaId = (await userByEmail("ada@example.com"))?.id ?? "";
    expect((await patch(admin, adaId, { status: "DISABLED" })).status).toBe(409);
  });

  it("guesses at the current password are throttled like sign-in failures, and audited", async () => {
    for (let i = 0; i < 5; i++) {
      const wrong = await api.call("PUT", "/api/v1/session/password", { cookie: admin, body: { currentPassword: `guess ${i}`, newPassword: "a new password!" } });
      expect(wrong.status).toBe(422);
    }
    const refused = await api.call("PUT", "/api/v1/session/password", { cookie: admin, body: { currentPassword: PASSWORD, newPassword: "a new password!" } });
    expect(refused.status).toBe(429);
    const { items } = await (await api.call("GET", "/api/v1/audit-events?action=user.password_change_failed", { cookie: admin })).json();
    expect(items).toHaveLength(5);
  });

  it("an EDITOR cannot change, disable or delete an ADMIN, nor change anyone's role, but may edit a VIEWER", async () => {
    await api.createUser({ email: "ed@example.com", role: "EDITOR", password: PASSWORD });
    const editor = await api.signIn("ed@example.com", PASSWORD);
    const adaId = (await userByEmail("ada@example.com"))?.id ?? "";
    const viewer = await api.createUser({ email: "vi@example.com", role: "VIEWER" });
    for (const response of [
      await patch(editor, adaId, { name: "Renamed" }),
      await patch(editor, adaId, { status: "DISABLED" }),
      await remove(editor, adaId),
      await patch(editor, viewer.id, { role: "ADMIN" }),
    ]) {
      expect(response.status).toBe(403);
    }
    expect((await patch(editor, viewer.id, { name: "Vi", status: "DISABLED" })).status).toBe(200);
  });
});

describe("access ends at the next request", () => {
  it("when the user is disabled", async () => {
    const viewer = await api.createUser({ email: "vi@example.com", role: "VIEWER", password: PASSWORD });
    const cookie = await api.signIn("vi@example.com", PASSWORD);
    expect((await api.call("GET", "/api/v1/users", { cookie })).status).toBe(200);
    expect((await patch(admin, viewer.id, { status: "DISABLED" })).status).toBe(200);
    expect((await api.call("GET", "/api/v1/users", { cookie })).status).toBe(401);
  });

  it("when the user is deleted", async () => {
    const viewer = await api.createUser({ email: "vi@example.com", role: "VIEWER", password: PASSWORD });
    const cookie = await api.signIn("vi@example.com", PASSWORD);
    expect((await remove(admin, viewer.id)).status).toBe(204);
    expect((await api.call("GET", "/api/v1/users", { cookie })).status).toBe(401);
  });

  it("when the token is revoked, and an expired token is refused", async () => {
    const created = await (await api.call("POST", "/api/v1/tokens", { cookie: admin, body: { name: "etl", role: "VIEWER" } })).json();
    expect(created.secret).toMatch(/^uct_[A-Za-z0-9_-]{43}$/);
    expect((await api.call("GET", "/api/v1/users", { bearer: created.secret })).status).toBe(200);
    const listed = (await (await api.call("GET", "/api/v1/tokens", { cookie: admin })).json()).items;
    expect(listed[0]).toMatchObject({ name: "etl", prefix: created.secret.slice(0, 8) });
    expect(listed[0].lastUsedAt).not.toBeNull();
    expect(JSON.stringify(listed)).not.toContain(created.secret);

    expect((await api.call("DELETE", `/api/v1/tokens/${created.token.id}`, { cookie: admin })).status).toBe(204);
    expect((await api.call("GET", "/api/v1/users", { bearer: created.secret })).status).toBe(401);

    // The schema wants an expiry in the real future; the app's clock is the test's.
    const expiresAt = new Date(Math.max(Date.now(), clock.now().getTime()) + 60_000);
    const expiring = await (
      await api.call("POST", "/api/v1/tokens", { cookie: admin, body: { name: "short", role: "VIEWER", expiresAt: expiresAt.toISOString() } })
    ).json();
    clock.advance(expiresAt.getTime() - clock.now().getTime() - 1_000);
    expect((await api.call("GET", "/api/v1/users", { bearer: expiring.secret })).status).toBe(200);
    clock.advance(1_000);
    expect((await api.call("GET", "/api/v1/users", { bearer: expiring.secret })).status).toBe(401);
  });
});

describe("audit log", () => {
  it("records each change with actor, target, before/after and request id", async () => {
    const viewer = await api.createUser({ email: "vi@example.com", role: "VIEWER" });
    const current = await api.call("GET", `/api/v1/users/${viewer.id}`, { cookie: admin });
    await api.call("PATCH", `/api/v1/users/${viewer.id}`, {
      cookie: admin,
      body: { status: "DISABLED" },
      headers: { "if-match": current.headers.get("etag") ?? "", "x-request-id": "req-42", traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" },
    });
    const { items } = await (await api.call("GET", `/api/v1/audit-events?targetId=${viewer.id}`, { cookie: admin })).json();
    expect(items[0]).toMatchObject({
      action: "user.updated",
      actor: { type: "user", label: "ada@example.com" },
      target: { type: "user", id: viewer.id },
      data: { before: { status: "ACTIVE" }, after: { status: "DISABLED" } },
      requestId: "req-42",
      traceId: "0af7651916cd43dd8448eb211c80319c",
    });
  });

  it("rolls the change back when its audit entry cannot be written", async () => {
    const viewer = await api.createUser({ email: "vi@example.com", role: "VIEWER" });
    const current = await api.call("GET", `/api/v1/users/${viewer.id}`, { cookie: admin });
    api.failAuditAppends(true);
    const response = await api.call("PATCH", `/api/v1/users/${viewer.id}`, {
      cookie: admin,
      body: { status: "DISABLED" },
      headers: { "if-match": current.headers.get("etag") ?? "" },
    });
    api.failAuditAppends(false);
    expect(response.status).toBe(500);
    const problem = await response.json();
    expect(problem).toMatchObject({ code: "INTERNAL" });
    expect(JSON.stringify(problem)).not.toContain("failAuditAppends");
    expect((await userByEmail("vi@example.com"))?.status).toBe("ACTIVE");
  });
});
