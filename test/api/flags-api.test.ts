/**
 * Feature flags through the REST API (issue 9), in memory: changes evaluated at once by the real LaunchDarkly SDK
 * (targets, rules, rollouts), audited whole before and after, validated, guarded by If-Match and the permission
 * table; and the flag-gated paths in both states: read-only mode (every change but the session's and the
 * flags' own answers 503 with Retry-After, reads go on) and imports turned off (404 for whom the flag is off).
 */
import { beforeAll, describe, expect, it } from "vitest";

import { initialFlag, toSdkFlag } from "../../lib/domain/feature-flags";
import { createApiHarness, fastTestHasher, manualClock } from "../support/api-harness";
import { startLaunchDarklyStandIn } from "../support/launchdarkly-stand-in";

type Harness = Awaited<ReturnType<typeof createApiHarness>>;
const PASSWORD = "correct horse battery";

let api: Harness;
let admin: string;

beforeAll(async () => {
  api = await createApiHarness({ hasher: fastTestHasher });
  await api.createUser({ email: "ada@staff.example", role: "ADMIN", password: PASSWORD });
  admin = await api.signIn("ada@staff.example", PASSWORD);
});

/** Changes a flag from its current version, as the UI does: read the ETag, send it back. */
async function patchFlag(key: string, change: Record<string, unknown>, cookie = admin) {
  const etag = (await api.call("GET", `/api/v1/flags/${key}`, { cookie: admin })).headers.get("etag") ?? "";
  return api.call("PATCH", `/api/v1/flags/${key}`, { cookie, body: change, headers: { "if-match": etag } });
}

async function userFlags(userId: string) {
  const body = await (await api.call("GET", `/api/v1/users/${userId}/flags`, { cookie: admin })).json();
  return Object.fromEntries(
    (body.items as { key: string; value: unknown; reason: string }[]).map((item) => [item.key, { value: item.value, reason: item.reason }]),
  );
}

describe("changing flags", () => {
  it("a rule on the email domain and an individual target take effect at the next evaluation, and the change is audited whole", async () => {
    const staff = await api.createUser({ email: "sam@staff.example", role: "VIEWER" });
    const outsider = await api.createUser({ email: "olive@partner.example", role: "VIEWER" });
    const targeted = await api.createUser({ email: "tia@partner.example", role: "VIEWER" });
    const rules = [{ id: "staff", clauses: [{ attribute: "emailDomain", op: "in", values: ["staff.example"] }], variation: 2 }];
    const response = await patchFlag("users-table-density", { rules, targets: [{ values: [targeted.id], variation: 0 }] });
    expect(response.status).toBe(200);
    expect(response.headers.get("etag")).toBe('"2"');

    expect((await userFlags(staff.id))["users-table-density"]).toEqual({ value: "spacious", reason: "RULE_MATCH" });
    expect((await userFlags(targeted.id))["users-table-density"]).toEqual({ value: "compact", reason: "TARGET_MATCH" });
    expect((await userFlags(outsider.id))["users-table-density"]).toEqual({ value: "comfortable", reason: "FALLTHROUGH" });

    const audit = await (await api.call("GET", "/api/v1/audit-events?targetType=flag&targetId=users-table-density&limit=1", { cookie: admin })).json();
    expect(audit.items[0]).toMatchObject({
      action: "flag.updated",
      actor: { type: "user", label: "ada@staff.example" },
      target: { type: "flag", id: "users-table-density" },
      data: {
        before: { version: 1, rules: [], targets: [] },
        after: { version: 2, rules: [{ id: "staff", clauses: [{ attribute: "emailDomain", values: ["staff.example"] }] }] },
      },
    });
  });

  it("a rollout splits users by its weights, each user always in the same bucket", async () => {
    const flag = await (await api.call("GET", "/api/v1/flags/users-table-density", { cookie: admin })).json();
    const rollout = { rollout: { variations: [{ variation: 0, weight: 50_000 }, { variation: 1, weight: 50_000 }] } };
    expect((await patchFlag("users-table-density", { fallthrough: rollout, rules: [], targets: [] })).status).toBe(200);
    const users = await Promise.all(Array.from({ length: 40 }, (_, i) => api.createUser({ email: `roll${i}@example.com`, role: "VIEWER" })));
    const first = await Promise.all(users.map(async (user) => (await userFlags(user.id))["users-table-density"]?.value));
    expect(new Set(first)).toEqual(new Set(["compact", "comfortable"]));
    const again = await Promise.all(users.map(async (user) => (await userFlags(user.id))["users-table-density"]?.value));
    expect(again).toEqual(first);
    const listed = await (await api.call("GET", "/api/v1/flags", { cookie: admin })).json();
    expect(listed.items.find((item: { key: string }) => item.key === "users-table-density")).toMatchObject({
      version: flag.version + 1,
      serving: { percent: 50 },
      lastChange: { action: "flag.updated", actor: "ada@staff.example" },
    });
  });

  it("refuses a change that would leave the flag unusable, saying what is wrong, and stores nothing", async () => {
    const before = await (await api.call("GET", "/api/v1/flags/bulk-import", { cookie: admin })).json();
    const missing = await patchFlag("bulk-import", { fallthrough: { variation: 7 } });
    expect(missing.status).toBe(422);
    expect(await missing.json()).toMatchObject({ code: "FLAG_INVALID", detail: expect.stringContaining("fallthrough: there is no variation 7") });
    const short = await patchFlag("bulk-import", {
      fallthrough: { rollout: { variations: [{ variation: 0, weight: 60_000 }, { variation: 1, weight: 30_000 }] } },
    });
    expect(await short.json()).toMatchObject({ code: "FLAG_INVALID", detail: expect.stringContaining("they sum to 90 %") });
    // The variations are the code's: not part of what may be changed.
    expect(await (await patchFlag("bulk-import", { variations: [false, true] })).json()).toMatchObject({ code: "VALIDATION_FAILED" });
    expect(await (await api.call("GET", "/api/v1/flags/bulk-import", { cookie: admin })).json()).toEqual(before);
  });

  it("reverts to a version of the flag's history as a new version; a version not in it is refused", async () => {
    expect((await patchFlag("ops-read-only-mode", { offVariation: 0 })).status).toBe(200);
    const history = await (await api.call("GET", "/api/v1/flags/ops-read-only-mode/history", { cookie: admin })).json();
    expect(history.items.map((entry: { action: string; data: { after: { version: number } } }) => [entry.action, entry.data.after.version])).toEqual([
      ["flag.updated", 2],
      ["flag.created", 1],
    ]);
    const revert = (version: number) =>
      api.call("POST", "/api/v1/flags/ops-read-only-mode/revert", { cookie: admin, body: { version }, headers: { "if-match": '"2"' } });
    expect(await (await revert(9)).json()).toMatchObject({ code: "FLAG_INVALID", detail: expect.stringContaining("version 9 is not in") });
    const reverted = await revert(1);
    expect(await reverted.json()).toMatchObject({ version: 3, definition: { offVariation: 1 }, lastChange: { action: "flag.reverted" } });
  });

  it("VIEWERs and EDITORs read flags; only ADMINs change them", async () => {
    for (const role of ["VIEWER", "EDITOR"] as const) {
      await api.createUser({ email: `${role.toLowerCase()}-flags@example.com`, role, password: PASSWORD });
      const cookie = await api.signIn(`${role.toLowerCase()}-flags@example.com`, PASSWORD);
      expect((await api.call("GET", "/api/v1/flags", { cookie })).status).toBe(200);
      expect((await api.call("GET", "/api/v1/flags/bulk-import/history", { cookie })).status).toBe(200);
      expect(await (await patchFlag("bulk-import", { on: false }, cookie)).json()).toMatchObject({ code: "FORBIDDEN" });
    }
  });
});

describe("flag-gated paths", () => {
  it("read-only mode: changes answer 503 with Retry-After; reads, signing in and out, and the flags themselves still work", async () => {
    const user = await api.createUser({ email: "ro-target@example.com", role: "VIEWER" });
    expect((await patchFlag("ops-read-only-mode", { on: true, fallthrough: { variation: 0 } })).status).toBe(200);
    try {
      const refused = await api.call("PATCH", `/api/v1/users/${user.id}`, { cookie: admin, body: { name: "X" }, headers: { "if-match": '"1"' } });
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toBe("60");
      expect(await refused.json()).toMatchObject({ code: "READ_ONLY_MODE" });
      const token = await api.call("POST", "/api/v1/tokens", { cookie: admin, body: { name: "during incident", role: "VIEWER" } });
      expect(token.status).toBe(503);
      // Nobody signed in yet: accepting an invitation is a change too.
      const accept = await api.call("POST", "/api/v1/invitations/accept", { body: { token: "x".repeat(43), password: "a new long password" } });
      expect(accept.status).toBe(503);
      expect((await api.call("GET", `/api/v1/users/${user.id}`, { cookie: admin })).status).toBe(200);
      const second = await api.signIn("ada@staff.example", PASSWORD);
      expect((await api.call("DELETE", "/api/v1/session", { cookie: second })).status).toBe(204);
    } finally {
      expect((await patchFlag("ops-read-only-mode", { on: false })).status).toBe(200);
    }
    const allowed = await api.call("PATCH", `/api/v1/users/${user.id}`, { cookie: admin, body: { name: "X" }, headers: { "if-match": '"1"' } });
    expect(allowed.status).toBe(200);
  });

  it("imports answer 404 FEATURE_OFF for whom bulk-import is off, and work for whom it is on", async () => {
    await api.createUser({ email: "pat@partner.example", role: "ADMIN", password: PASSWORD });
    const partner = await api.signIn("pat@partner.example", PASSWORD);
    // On for staff only: a rule serving true to staff.example, false for everyone else.
    const rules = [{ id: "staff-imports", clauses: [{ attribute: "emailDomain", op: "in", values: ["staff.example"] }], variation: 0 }];
    expect((await patchFlag("bulk-import", { rules, fallthrough: { variation: 1 } })).status).toBe(200);
    try {
      const csv = { rawBody: "email,name\nimported@example.com,Imported\n", headers: { "content-type": "text/csv" } };
      for (const [method, path] of [["GET", "/api/v1/imports"], ["POST", "/api/v1/imports"], ["GET", "/api/v1/imports/x"], ["GET", "/api/v1/imports/x/events"]] as const) {
        const response = await api.call(method, path, { cookie: partner, ...(method === "POST" && csv) });
        expect([path, response.status, (await response.json()).code]).toEqual([path, 404, "FEATURE_OFF"]);
      }
      expect((await api.call("POST", "/api/v1/imports", { cookie: admin, ...csv })).status).toBe(202);
      await api.app.importJobs.idle();
    } finally {
      expect((await patchFlag("bulk-import", { rules: [], fallthrough: { variation: 0 } })).status).toBe(200);
    }
    expect((await api.call("GET", "/api/v1/imports", { cookie: partner })).status).toBe(200);
  });
});

describe("stale flags, from the evaluations every replica counts", () => {
  it("marks a flag unchanged for 30 days that nobody evaluated, or that served one variation only; a change clears it", async () => {
    const clock = manualClock(new Date("2026-10-01T09:00:00.000Z"));
    const app = await createApiHarness({ hasher: fastTestHasher, clock });
    await app.createUser({ email: "sue@example.com", role: "ADMIN", password: PASSWORD });
    const staleOf = async () => {
      const cookie = await app.signIn("sue@example.com", PASSWORD); // sessions do not last a month
      const body = await (await app.call("GET", "/api/v1/flags", { cookie })).json();
      return Object.fromEntries(
        (body.items as { key: string; stale: { reason: string } | null; lastEvaluatedOn: string | null }[]).map((item) => [
          item.key,
          [item.lastEvaluatedOn, item.stale?.reason ?? null],
        ]),
      );
    };
    // bulk-import is evaluated by every imports call: once now.
    const listImports = async () => app.call("GET", "/api/v1/imports", { cookie: await app.signIn("sue@example.com", PASSWORD) });
    expect((await listImports()).status).toBe(200);
    await app.app.flagEvaluations.flush();
    expect((await staleOf())["bulk-import"]).toEqual(["2026-10-01", null]);

    clock.advance(31 * 24 * 60 * 60_000);
    // Looking at someone's variations is not the code asking for them: it leaves the counts alone.
    const someone = await app.createUser({ email: "someone@example.com", role: "VIEWER" });
    const shown = await app.call("GET", `/api/v1/users/${someone.id}/flags`, { cookie: await app.signIn("sue@example.com", PASSWORD) });
    expect(shown.status).toBe(200);
    await app.app.flagEvaluations.flush();
    expect(await staleOf()).toEqual({
      "bulk-import": ["2026-10-01", "not evaluated in 30 days (last on 2026-10-01)"],
      "users-table-density": [null, "never evaluated, and unchanged for 30 days"],
      // A kill switch is permanent: never stale (here: not evaluated, as nothing was changed through the API).
      "ops-read-only-mode": [null, null],
    });

    expect((await listImports()).status).toBe(200);
    await app.app.flagEvaluations.flush();
    expect((await staleOf())["bulk-import"]).toEqual(["2026-11-01", "served only true for 30 days"]);

    const cookie = await app.signIn("sue@example.com", PASSWORD);
    const etag = (await app.call("GET", "/api/v1/flags/bulk-import", { cookie })).headers.get("etag") ?? "";
    expect((await app.call("PATCH", "/api/v1/flags/bulk-import", { cookie, body: { on: true }, headers: { "if-match": etag } })).status).toBe(200);
    expect((await staleOf())["bulk-import"]).toEqual(["2026-11-01", null]);
    await app.close();
  });
});

describe("with LAUNCHDARKLY_SDK_KEY: flags are LaunchDarkly's (a loopback stand-in for its streaming service)", () => {
  it("shows them read-only, refuses changes with 409, and evaluates what LaunchDarkly pushes, gates included", async () => {
    const standIn = await startLaunchDarklyStandIn();
    const sdkKey = standIn.environment(initialFlag("bulk-import"), initialFlag("users-table-density"), initialFlag("ops-read-only-mode"));
    const uri = standIn.origin;
    const ld = await createApiHarness({
      hasher: fastTestHasher,
      config: { LAUNCHDARKLY_SDK_KEY: sdkKey, LAUNCHDARKLY_BASE_URI: uri, LAUNCHDARKLY_STREAM_URI: uri, LAUNCHDARKLY_EVENTS_URI: uri },
    });
    try {
      await ld.createUser({ email: "lee@example.com", role: "ADMIN", password: PASSWORD });
      const cookie = await ld.signIn("lee@example.com", PASSWORD);
      const listed = await (await ld.call("GET", "/api/v1/flags", { cookie })).json();
      expect(listed.items).toHaveLength(3);
      expect(listed.items[0]).toMatchObject({ key: "bulk-import", managedBy: "launchdarkly", definition: null, version: null, serving: null });
      const patched = await ld.call("PATCH", "/api/v1/flags/bulk-import", { cookie, body: { on: false }, headers: { "if-match": '"1"' } });
      expect(await patched.json()).toMatchObject({ code: "FLAGS_MANAGED_ELSEWHERE" });

      // Read-only mode turned on in LaunchDarkly: this app refuses changes at once.
      const readOnly = { ...initialFlag("ops-read-only-mode"), version: 2, fallthrough: { variation: 0 } };
      expect(standIn.push(sdkKey, "patch", { path: "/flags/ops-read-only-mode", data: toSdkFlag(readOnly) })).toBe(1);
      const create = () => ld.call("POST", "/api/v1/users", { cookie, body: { email: "new@example.com", name: "New" } });
      await expect.poll(async () => (await create()).status).toBe(503);
      expect(standIn.received.every((request) => request.authorization === sdkKey)).toBe(true);
    } finally {
      await ld.close();
      await standIn.close();
    }
  });
});
