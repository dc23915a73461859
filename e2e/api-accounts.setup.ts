/**
 * The `setup` of `npm run screenshots`' own server: the same accounts and signed-in states as
 * e2e/auth.setup.ts leaves, made through the API. The first sign-in and the
 * sign-in page are walked in the browser once, against the main server, by auth.setup.ts; walking them again
 * here cost about 35 s of every run and tested nothing new.
 */
import { expect, test as setup, type Browser } from "@playwright/test";

import type { Role } from "../lib/domain/user";
import { ACCOUNTS, BOOTSTRAP_PASSWORD, PASSWORD, serverOf, storageStateOf } from "./support/accounts";

/** A browser context signed in as `email` through POST /api/v1/session: its cookie jar is the context's. */
async function signedIn(browser: Browser, baseURL: string, email: string, password: string) {
  const context = await browser.newContext({ baseURL, extraHTTPHeaders: { origin: baseURL } });
  const response = await context.request.post("/api/v1/session", { data: { email, password } });
  expect(response.status(), `sign-in of ${email}`).toBe(200);
  return context;
}

setup("the bootstrap admin's password changed, one invited user per other role, each signed in", async ({ browser, baseURL }, testInfo) => {
  const origin = new URL(baseURL ?? "").origin;
  const server = serverOf(testInfo);

  const admin = await signedIn(browser, origin, ACCOUNTS.ADMIN.email, BOOTSTRAP_PASSWORD);
  const changed = await admin.request.put("/api/v1/session/password", { data: { currentPassword: BOOTSTRAP_PASSWORD, newPassword: PASSWORD } });
  expect(changed.status()).toBe(204);
  // Changing one's password ends one's other sessions only: this one goes on, now without the one-time password.
  await admin.storageState({ path: storageStateOf("ADMIN", server) });

  const others: Role[] = ["EDITOR", "VIEWER"];
  for (const role of others) {
    const invited = await admin.request.post("/api/v1/invitations", { data: { ...ACCOUNTS[role], role } });
    expect(invited.status()).toBe(201);
    const { invitationUrl } = await invited.json();
    const token = decodeURIComponent(String(invitationUrl).split("/").at(-1) ?? "");
    // Accepted by the invited person, who has no session of their own yet.
    const guest = await browser.newContext({ baseURL: origin, extraHTTPHeaders: { origin } });
    expect((await guest.request.post("/api/v1/invitations/accept", { data: { token, password: PASSWORD } })).status()).toBe(200);
    await guest.close();

    const context = await signedIn(browser, origin, ACCOUNTS[role].email, PASSWORD);
    await context.storageState({ path: storageStateOf(role, server) });
    await context.close();
  }
  await admin.close();
});
