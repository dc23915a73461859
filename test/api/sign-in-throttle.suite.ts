/**
 * The attacks of issue 18 items 1 and 2, performed through the REST API: one suite, run in memory
 * (sign-in-throttle.test.ts), on PGlite and on PostgreSQL (sign-in-throttle.{pglite,postgres}.integration.test.ts).
 * Each test works on accounts and client addresses of its own, on one app per suite whose clock the tests move.
 *
 * 1. Lockout: anyone who knows an email could make the right password answer 429 for good.
 * 2. Audit flooding: every attempt refused by the throttle still wrote an audit row, in two transactions.
 */
import { randomBytes } from "node:crypto";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ACCOUNT_DELAY_MAX_MS, SESSION_ABSOLUTE_MS, SIGN_IN_WINDOW_MS } from "../../lib/domain/auth";
import { hashSecret } from "../../lib/use-cases/secrets";
import { ADDRESS_ATTEMPTS_PER_MINUTE } from "../../lib/use-cases/sign-in-gate";
import type { Clock } from "../../lib/ports/clock";
import { manualClock, type createApiHarness } from "../support/api-harness";

type Harness = Awaited<ReturnType<typeof createApiHarness>>;
const PASSWORD = "correct horse battery";

/**
 * @param open a new app on an empty database of its own, on `clock`, hashing with fastTestHasher (the suite
 *   closes what it opens).
 */
export function describeSignInThrottle(name: string, open: (clock: Clock) => Promise<Harness>) {
  describe(`sign-in throttling under attack (${name})`, () => {
    const clock = manualClock();
    let api: Harness;
    beforeAll(async () => {
      api = await open(clock);
    });
    afterAll(async () => {
      await api?.close();
    });

    /** A fresh account (ADMIN: the attacker's favourite), and a prefix for client addresses of this test's own. */
    async function account() {
      const tag = randomBytes(4).toString("hex");
      const email = `owner-${tag}@example.com`;
      const user = await api.createUser({ email, role: "ADMIN", password: PASSWORD });
      const net = `10.${parseInt(tag.slice(0, 2), 16)}.${parseInt(tag.slice(2, 4), 16)}`;
      return { email, user, net };
    }

    const signIn = (email: string, password: string, ip: string, cookie?: string) =>
      api.call("POST", "/api/v1/session", { body: { email, password }, headers: { "x-user-console-client-ip": ip }, cookie });

    /** The `uc_device=...` pair a sign-in answer set. */
    function deviceCookieOf(response: Response): string {
      const pair = response.headers.getSetCookie().find((cookie) => cookie.startsWith("uc_device="))?.split(";")[0];
      if (!pair) throw new Error("the answer set no device cookie");
      return pair;
    }

    /** Units of work (transactions) the app has run so far, from its own metrics. */
    async function unitsRun(): Promise<number> {
      const metric = (await api.app.metrics.registry.getMetricsAsJSON()).find((m) => m.name === "db_operation_duration_seconds");
      const counts = (metric?.values ?? []).filter(
        (v) => "metricName" in v && v.metricName === "db_operation_duration_seconds_count" && v.labels.operation === "unit_of_work",
      );
      return counts.reduce((sum, v) => sum + v.value, 0);
    }

    const auditCount = async (action: string, label: string) =>
      (await api.unitOfWork.run(({ audit }) => audit.list({ action, actor: label, limit: 200 }))).items.length;

    it("a stranger's 30 wrong passwords from 30 addresses cannot keep the owner out of their account", async () => {
      const { email, net } = await account();
      // The owner signed in on this browser before: it holds the account's device cookie.
      const earlier = await signIn(email, PASSWORD, `${net}.1`);
      expect(earlier.status).toBe(200);
      const device = deviceCookieOf(earlier);

      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push((await signIn(email, `guess ${i}`, `${net}.${100 + i}`)).status);
      // Five guesses are checked, then the account makes every stranger wait: refused without checking.
      expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(statuses.slice(5).every((status) => status === 429)).toBe(true);

      // The owner's browser is not a stranger: the right password signs in at once, from any address.
      const fromKnownDevice = await signIn(email, PASSWORD, `${net}.2`, device);
      expect(fromKnownDevice.status).toBe(200);
      expect(deviceCookieOf(fromKnownDevice)).toBe(device);

      // From a new browser the owner waits, but only for the delay: never a lock.
      const newBrowser = await signIn(email, PASSWORD, `${net}.3`);
      expect(newBrowser.status).toBe(429);
      const wait = Number(newBrowser.headers.get("retry-after"));
      expect(wait).toBeGreaterThan(0);
      expect(wait * 1_000).toBeLessThanOrEqual(ACCOUNT_DELAY_MAX_MS);
      clock.advance(wait * 1_000);
      expect((await signIn(email, PASSWORD, `${net}.3`)).status).toBe(200);
    });

    it("makes each further guess wait longer (30 s, 1 min, 2 min, ...), up to 15 minutes", async () => {
      const { email, net } = await account();
      for (let i = 0; i < 5; i++) expect((await signIn(email, `guess ${i}`, `${net}.${i}`)).status).toBe(401);
      const waits: number[] = [];
      for (let i = 0; i < 7; i++) {
        const refused = await signIn(email, `patient guess ${i}`, `${net}.${50 + i}`);
        expect(refused.status).toBe(429);
        const wait = Number(refused.headers.get("retry-after"));
        waits.push(wait);
        clock.advance(wait * 1_000);
        expect((await signIn(email, `patient guess ${i}`, `${net}.${50 + i}`)).status).toBe(401);
      }
      expect(waits).toEqual([30, 60, 120, 240, 480, 900, 900]);
    });

    it("a device cookie exempts only from its own account's delay, and has a budget of its own", async () => {
      const owner = await account();
      const other = await account();
      const otherDevice = deviceCookieOf(await signIn(other.email, PASSWORD, `${other.net}.1`));
      for (let i = 0; i < 5; i++) await signIn(owner.email, `guess ${i}`, `${owner.net}.${100 + i}`);
      // Another account's cookie, or a made-up one, is no pass for this account.
      expect((await signIn(owner.email, PASSWORD, `${owner.net}.7`, otherDevice)).status).toBe(429);
      expect((await signIn(owner.email, PASSWORD, `${owner.net}.8`, "uc_device=made-up")).status).toBe(429);

      // A thief holding the owner's cookie gets five guesses per 15 minutes through it, like an address.
      const device = deviceCookieOf(await signIn(other.email, PASSWORD, `${other.net}.2`, otherDevice));
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push((await signIn(other.email, `guess ${i}`, `${other.net}.${20 + i}`, device)).status);
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    });

    it("still stops spraying: an address is refused after 5 failures across accounts, whoever it then tries", async () => {
      const { email, net } = await account();
      const device = deviceCookieOf(await signIn(email, PASSWORD, `${net}.1`));
      for (let i = 0; i < 5; i++) expect((await signIn(`nobody-${i}-${net}@example.com`, "guess", `${net}.66`)).status).toBe(401);
      expect((await signIn(email, PASSWORD, `${net}.66`, device)).status).toBe(429);
      expect((await signIn(email, PASSWORD, `${net}.67`, device)).status).toBe(200);
    });

    it("audit flooding: 200 refused attempts write one audit entry per throttled key and run no transaction", async () => {
      const { email, net } = await account();
      // An address throttled by spraying, and an account throttled by guesses from many addresses.
      for (let i = 0; i < 5; i++) await signIn(`spray-${i}-${net}@example.com`, "guess", `${net}.9`);
      for (let i = 0; i < 5; i++) await signIn(email, `guess ${i}`, `${net}.${10 + i}`);
      expect((await signIn("victim@example.com", "guess", `${net}.9`)).status).toBe(429);
      expect((await signIn(email, "guess", `${net}.20`)).status).toBe(429);

      const unitsBefore = await unitsRun();
      const flood = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          i % 2 ? signIn(`victim-${i}@example.com`, "guess", `${net}.9`) : signIn(email, "guess", `${net}.${30 + (i % 200)}`),
        ),
      );
      expect(flood.every((response) => response.status === 429)).toBe(true);
      // Refused from the process's memory: no transaction, no audit row, no password hashing.
      expect(await unitsRun()).toBe(unitsBefore);
      expect(await auditCount("session.sign_in_throttled", email)).toBe(1);
      expect(await auditCount("session.sign_in_throttled", "victim@example.com")).toBe(1);

      // Past the memory's minute the database is asked again; the address is still throttled and already audited.
      clock.advance(61_000);
      expect((await signIn("victim@example.com", "guess", `${net}.9`)).status).toBe(429);
      expect(await unitsRun()).toBeGreaterThan(unitsBefore);
      expect(await auditCount("session.sign_in_throttled", "victim@example.com")).toBe(1);
      // A new window, a new entry.
      clock.advance(SIGN_IN_WINDOW_MS);
      expect((await signIn(`spray-again-${net}@example.com`, "guess", `${net}.9`)).status).toBe(401);
    });

    it("audit flooding with made-up device cookies: at most 60 attempts a minute per address reach the database", async () => {
      const { email, net } = await account();
      for (let i = 0; i < 5; i++) await signIn(email, `guess ${i}`, `${net}.${10 + i}`);
      // Each made-up cookie must be looked up, so memory cannot refuse it by the account: the address budget does.
      const unitsBefore = await unitsRun();
      const flood = await Promise.all(
        Array.from({ length: 150 }, (_, i) => signIn(email, "guess", `${net}.99`, `uc_device=made-up-${i}`)),
      );
      expect(flood.every((response) => response.status === 429)).toBe(true);
      expect(await unitsRun()).toBeLessThanOrEqual(unitsBefore + ADDRESS_ATTEMPTS_PER_MINUTE);
      expect(await auditCount("session.sign_in_throttled", email)).toBe(1);
    });

    it("an ADMIN clears an account's failures: its owner signs in from a new browser at once", async () => {
      const { email, user, net } = await account();
      const admin = await account();
      const adminCookie = (await api.signIn(admin.email, PASSWORD, { "x-user-console-client-ip": `${admin.net}.1` }));
      for (let i = 0; i < 8; i++) await signIn(email, `guess ${i}`, `${net}.${100 + i}`);
      expect((await signIn(email, PASSWORD, `${net}.1`)).status).toBe(429);

      const cleared = await api.call("DELETE", `/api/v1/users/${user.id}/sign-in-failures`, { cookie: adminCookie });
      expect(cleared.status).toBe(200);
      expect(await cleared.json()).toEqual({ cleared: 5 });
      expect(await auditCount("user.sign_in_failures_cleared", admin.email)).toBe(1);
      expect((await signIn(email, PASSWORD, `${net}.1`)).status).toBe(200);
    });

    it("the scheduled clean-up deletes expired sign-in failures, sessions and invitations, and counts them", async () => {
      const { email, user, net } = await account();
      await signIn(email, "wrong", `${net}.1`);
      const cookie = await api.signIn(email, PASSWORD, { "x-user-console-client-ip": `${net}.2` });
      const invited = await api.call("POST", "/api/v1/invitations", {
        cookie,
        body: { email: `invitee-${net}@example.com`, name: "Invitee", role: "VIEWER" },
      });
      expect(invited.status).toBe(201);
      const failuresOf = (key: string) =>
        api.unitOfWork.run(({ signInFailures }) => signInFailures.countSince(key, new Date(0)));
      expect((await failuresOf(`account:${email}`)).count).toBe(1);

      clock.advance(Math.max(SESSION_ABSOLUTE_MS, 8 * 24 * 60 * 60_000));
      await api.app.cleanup.runOnce();

      expect((await failuresOf(`account:${email}`)).count).toBe(0);
      expect((await failuresOf(`ip:${net}.1`)).count).toBe(0);
      expect(await api.unitOfWork.run(({ sessions }) => sessions.listForUser(user.id))).toEqual([]);
      const secret = decodeURIComponent(String((await invited.json()).invitationUrl).split("/").at(-1) ?? "");
      expect(await api.unitOfWork.run(({ invitations }) => invitations.getBySecretHash(hashSecret(secret)))).toBeNull();
      const metrics = await api.app.metrics.exposition();
      expect(metrics.text).toMatch(/user_console_cleanup_runs_total\{outcome="ok"\} [1-9]/);
      expect(metrics.text).toMatch(/user_console_cleanup_deleted_total\{kind="sessions"\} [1-9]/);
      expect(metrics.text).toMatch(/user_console_cleanup_deleted_total\{kind="invitations"\} [1-9]/);
    });
  });
}
