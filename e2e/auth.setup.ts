/**
 * Runs first (the `setup` project): the bootstrap admin's first sign-in, walked in the browser as the README and
 * docs/security.md describe it, then one invited user per other role. Each role's signed-in state is saved for the
 * specs. `npm run screenshots`' own server gets the same accounts through the API (e2e/api-accounts.setup.ts).
 */
import { expect, test as setup } from "@playwright/test";

import { ACCOUNTS, BOOTSTRAP_PASSWORD, PASSWORD, serverOf, storageStateOf } from "./support/accounts";

setup("first sign-in: the one-time password must be changed before anything else", async ({ page }, testInfo) => {
  await page.goto("/users");
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fusers/);
  await page.getByLabel("Email").fill(ACCOUNTS.ADMIN.email);
  await page.getByLabel("Password").fill(BOOTSTRAP_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();

  await expect(page).toHaveURL(/\/settings\?changePassword=1/);
  await expect(page.getByText(/one-time password/i).first()).toBeVisible();
  // Nothing else opens until the password is changed.
  await page.goto("/users");
  await expect(page).toHaveURL(/\/settings\?changePassword=1/);

  await page.getByLabel("Current password").fill(BOOTSTRAP_PASSWORD);
  await page.getByLabel("New password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Confirm new password").fill(PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText(/password (was )?changed/i).first()).toBeVisible();

  await page.goto("/users");
  await expect(page.getByRole("heading", { level: 1, name: "Users" })).toBeVisible();
  await page.context().storageState({ path: storageStateOf("ADMIN", serverOf(testInfo)) });
});

setup("one user per other role, by invitation, each signed in through the sign-in page", async ({ browser, baseURL }, testInfo) => {
  const server = serverOf(testInfo);
  const admin = await browser.newContext({ storageState: storageStateOf("ADMIN", server), extraHTTPHeaders: { origin: baseURL ?? "" } });
  for (const role of ["EDITOR", "VIEWER"] as const) {
    const invited = await admin.request.post("/api/v1/invitations", { data: { ...ACCOUNTS[role], role } });
    expect(invited.status()).toBe(201);
    const { invitationUrl } = await invited.json();
    const token = decodeURIComponent(String(invitationUrl).split("/").at(-1) ?? "");
    const service = await browser.newContext({ extraHTTPHeaders: { origin: baseURL ?? "" } });
    expect((await service.request.post("/api/v1/invitations/accept", { data: { token, password: PASSWORD } })).status()).toBe(200);
    await service.close();

    // Each role signs in through the sign-in page, in a browser of its own (no injected headers).
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto("/sign-in");
    await page.getByLabel("Email").fill(ACCOUNTS[role].email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Users" })).toBeVisible();
    await context.storageState({ path: storageStateOf(role, server) });
    await context.close();
  }
  await admin.close();
});
