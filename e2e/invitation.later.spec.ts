/**
 * Invitation -> set password -> sign in, walked in Chromium (issue 4, "Done when"): an admin invites from the
 * users page and copies the link; the invited person opens it in their own browser, chooses a password, and
 * signs in. Runs after the other specs (the `later` project): it adds a user to the list they check.
 */
import { expect, test } from "@playwright/test";

import { storageStateOf } from "./support/accounts";

const NEW_PASSWORD = "grace's own passphrase";

test.use({ storageState: storageStateOf("ADMIN") });

test("an invited person sets a password and signs in; the link then stops working", async ({ page, browser }) => {
  await page.goto("/users");
  await page.getByRole("button", { name: "Invite user" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Email").fill("grace@example.com");
  await dialog.getByLabel("Name").fill("Grace Hopper");
  await dialog.getByRole("combobox", { name: "Role" }).selectOption({ label: "Editor" });
  await dialog.getByRole("button", { name: /invite/i }).click();
  const link = dialog.getByRole("textbox", { name: /invitation link/i });
  await expect(link).toHaveValue(/\/invitations\/[A-Za-z0-9_-]{43}$/);
  const invitationUrl = await link.inputValue();
  await dialog.getByRole("button", { name: /close|done/i }).first().click();

  // A browser of the invited person's own: no cookies (browser.newContext() would inherit the admin's state).
  const guest = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const invited = await guest.newPage();
  await invited.goto(invitationUrl);
  await invited.getByLabel("Password", { exact: true }).fill(NEW_PASSWORD);
  await invited.getByLabel("Confirm password").fill(NEW_PASSWORD);
  await invited.getByRole("button", { name: /set password|accept/i }).click();
  await expect(invited.getByText(/grace@example.com/)).toBeVisible();
  await invited.getByRole("link", { name: /sign in/i }).click();

  await expect(invited).toHaveURL(/\/sign-in/);
  await invited.getByLabel("Email").fill("grace@example.com");
  await invited.getByLabel("Password").fill(NEW_PASSWORD);
  await invited.getByRole("button", { name: "Sign in" }).click();
  await expect(invited.getByRole("heading", { level: 1, name: "Users" })).toBeVisible();
  await expect(invited.getByText("grace@example.com").first()).toBeVisible();

  // The link was single-use.
  await invited.goto(invitationUrl);
  await invited.getByLabel("Password", { exact: true }).fill(NEW_PASSWORD);
  await invited.getByLabel("Confirm password").fill(NEW_PASSWORD);
  await invited.getByRole("button", { name: /set password|accept/i }).click();
  await expect(invited.getByText(/expired or was already used/i)).toBeVisible();
  await guest.close();
});
