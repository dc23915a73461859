/**
 * Sign-in, sessions and throttling through the REST API (issue 4 item 3), on the in-memory app with the real
 * argon2id hasher and a clock the tests move.
 */
import { beforeEach, describe, expect, it } from "vitest";

import { SESSION_ABSOLUTE_MS, SESSION_IDLE_MS } from "../../lib/domain/auth";
import { createArgon2PasswordHasher } from "../../lib/adapters/argon2/argon2-password-hasher";
import { cookieOf, createApiHarness, manualClock } from "../support/api-harness";

const PASSWORD = "correct horse battery";
let clock: ReturnType<typeof manualClock>;
let api: Awaited<ReturnType<typeof createApiHarness>>;

beforeEach(async () => {
  clock = manualClock();
  api = await createApiHarness({ clock });
  await api.createUser({ email: "ada@example.com", role: "ADMIN", password: PASSWORD });
});

const signIn = (email: string, password: string, ip = "10.0.0.1") =>
  api.call("POST", "/api/v1/session", { body: { email, password }, headers: { "x-user-console-client-ip": ip } });

/** A problem body without the parts that differ per request. */
async function stableProblem(response: Response) {
  const { requestId: _id, ...rest } = await response.json();
  return rest;
}

describe("signing in", () => {
  it("answers an unknown email exactly as a wrong password: same status, same body", async () => {
    const wrongPassword = await signIn("ada@example.com", "not the password");
    const unknownEmail = await signIn("nobody@example.com", "not the password");
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    expect(await stableProblem(unknownEmail)).toEqual(await stableProblem(wrongPassword));
    expect(unknownEmail.headers.get("set-cookie")).toBeNull();
  });

  it("spends one argon2 verification on an unknown email, as on a known one", async () => {
    const hasher = createArgon2PasswordHasher();
    let verifications = 0;
    const counting = { hash: hasher.hash, verify: (hash: string, password: string) => (verifications++, hasher.verify(hash, password)) };
    const counted = await createApiHarness({ hasher: counting });
    await counted.createUser({ email: "ada@example.com", role: "ADMIN", password: PASSWORD });
    await counted.call("POST", "/api/v1/session", { body: { email: "ada@example.com", password: "wrong" } });
    expect(verifications).toBe(1);
    await counted.call("POST", "/api/v1/session", { body: { email: "nobody@example.com", password: "wrong" } });
    expect(verifications).toBe(2);
  });

  it("refuses disabled and invited accounts with the same answer as a wrong password", async () => {
    await api.createUser({ email: "off@example.com", role: "VIEWER", password: PASSWORD, status: "DISABLED" });
    await api.createUser({ email: "new@example.com", role: "VIEWER", password: PASSWORD, status: "INVITED" });
    const wrong = await stableProblem(await signIn("ada@example.com", "nope"));
    expect(await stableProblem(await signIn("off@example.com", PASSWORD))).toEqual(wrong);
    expect(await stableProblem(await signIn("new@example.com", PASSWORD))).toEqual(wrong);
  });

  it("sets an HttpOnly, SameSite=Lax session cookie (not Secure on localhost) and says who signed in", async () => {
    const response = await signIn("ADA@example.com", PASSWORD);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ kind: "user", user: { email: "ada@example.com", role: "ADMIN" } });
    const cookie = response.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^uc_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/);
    const me = await api.call("GET", "/api/v1/session", { cookie: cookieOf(response) });
    expect(await me.json()).toMatchObject({ user: { email: "ada@example.com" } });
  });

  it("uses a Secure __Host- cookie on a public origin, and ignores a plain-named cookie there", async () => {
    const remote = await createApiHarness({ config: { PUBLIC_ORIGIN: "https://console.example.com" } });
    await remote.createUser({ email: "ada@example.com", role: "ADMIN", password: PASSWORD });
    const at = "https://console.example.com";
    const response = await remote.call("POST", `${at}/api/v1/session`, {
      body: { email: "ada@example.com", password: PASSWORD },
      headers: { origin: at },
    });
    expect(response.headers.get("set-cookie")).toMatch(/^__Host-uc_session=.*; Secure/);
    const secret = cookieOf(response).split("=")[1];
    expect((await remote.call("GET", `${at}/api/v1/session`, { cookie: `__Host-uc_session=${secret}` })).status).toBe(200);
    // The same secret under the unprefixed name, as a sibling subdomain could plant it: not a session here.
    expect((await remote.call("GET", `${at}/api/v1/session`, { cookie: `uc_session=${secret}` })).status).toBe(401);
  });

  it("rotates the session: signing in again ends the session the browser had", async () => {
    const first = await api.signIn("ada@example.com", PASSWORD);
    const second = await api.call("POST", "/api/v1/session", {
      cookie: first,
      body: { email: "ada@example.com", password: PASSWORD },
    });
    const secondCookie = cookieOf(second);
    expect(secondCookie).not.toBe(first);
    expect((await api.call("GET", "/api/v1/session", { cookie: first })).status).toBe(401);
    expect((await api.call("GET", "/api/v1/session", { cookie: secondCookie })).status).toBe(200);
  });

  it("signing out ends the session in the database, not only in the browser", async () => {
    const cookie = await api.signIn("ada@example.com", PASSWORD);
    const out = await api.call("DELETE", "/api/v1/session", { cookie });
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toMatch(/Max-Age=0/);
    // The old cookie, replayed, no longer works.
    expect((await api.call("GET", "/api/v1/session", { cookie })).status).toBe(401);
  });
});

describe("session lifetime", () => {
  it("ends after 30 minutes without a request, and lives on while used", async () => {
    const cookie = await api.signIn("ada@example.com", PASSWORD);
    clock.advance(SESSION_IDLE_MS - 60_000);
    expect((await api.call("GET", "/api/v1/session", { cookie })).status).toBe(200);
    clock.advance(SESSION_IDLE_MS - 60_000); // 58 minutes after sign-in, 29 after the last request
    expect((await api.call("GET", "/api/v1/session", { cookie })).status).toBe(200);
    clock.advance(SESSION_IDLE_MS + 1);
    expect((await api.call("GET", "/api/v1/session", { cookie })).status).toBe(401);
  });

  it("ends 12 hours after sign-in however busy it is", async () => {
    const cookie = await api.signIn("ada@example.com", PASSWORD);
    for (let elapsed = 0; elapsed < SESSION_ABSOLUTE_MS - 20 * 60_000; elapsed += 20 * 60_000) {
      clock.advance(20 * 60_000);
      expect((await api.call("GET", "/api/v1/session", { cookie })).status).toBe(200);
    }
    clock.advance(20 * 60_000);
    expect((await api.call("GET", "/api/v1/session", { cookie })).status).toBe(401);
  });
});

describe("throttling", () => {
  it("makes the sixth attempt on an account wait, with 429 and Retry-After, then lets the right password in (issue 18)", async () => {
    for (let i = 0; i < 5; i++) expect((await signIn("ada@example.com", `wrong ${i}`, `10.0.0.${i}`)).status).toBe(401);
    clock.advance(10_000);
    const refused = await signIn("ada@example.com", PASSWORD, "10.9.9.9");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    expect(await refused.json()).toMatchObject({ code: "TOO_MANY_ATTEMPTS" });
    // The first wait is 30 s after the latest failure, 10 s of which have passed: a delay, not a 15-minute lock.
    expect(Number(refused.headers.get("retry-after"))).toBe(20);

    clock.advance(20_000);
    expect((await signIn("ada@example.com", PASSWORD, "10.9.9.9")).status).toBe(200);
  });

  it("counts parallel guesses one by one: of 20 at once, 5 are checked and 15 refused", async () => {
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => signIn("ada@example.com", `guess ${i}`, `10.1.0.${i}`)),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses.filter((status) => status === 401)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(15);
  });

  it("refuses a client address after 5 failures across different accounts", async () => {
    for (let i = 0; i < 5; i++) await signIn(`someone${i}@example.com`, "guess", "10.6.6.6");
    expect((await signIn("ada@example.com", PASSWORD, "10.6.6.6")).status).toBe(429);
    expect((await signIn("ada@example.com", PASSWORD, "10.7.7.7")).status).toBe(200);
  });

  it("records each failure in the audit log, with the address", async () => {
    await signIn("ada@example.com", "wrong", "10.0.0.5");
    const cookie = await api.signIn("ada@example.com", PASSWORD);
    const events = await (await api.call("GET", "/api/v1/audit-events?action=session.sign_in_failed", { cookie })).json();
    expect(events.items).toHaveLength(1);
    expect(events.items[0]).toMatchObject({
      actor: { type: "anonymous", label: "ada@example.com" },
      data: { ip: "10.0.0.5" },
    });
  });
});
