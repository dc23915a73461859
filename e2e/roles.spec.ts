/**
 * Each role, signed in in Chromium, sees only what it may do (issue 4, "Done when"): the sidebar's sections,
 * the pages it can open, and the actions on the users page.
 */
import { expect, test, type Page } from "@playwright/test";

import type { Role } from "../lib/domain/user";
import { ACCOUNTS, PASSWORD, storageStateOf } from "./support/accounts";

const SECTIONS: Record<Role, string[]> = {
  ADMIN: ["Dashboard", "Users", "Imports", "Flags", "Audit log", "API tokens", "Webhooks", "Settings", "API reference"],
  EDITOR: ["Dashboard", "Users", "Imports", "Flags", "Settings", "API reference"],
  VIEWER: ["Dashboard", "Users", "Flags", "Settings", "API reference"],
};
const FORBIDDEN_PAGES: Record<Role, string[]> = {
  ADMIN: [],
  EDITOR: ["/audit", "/tokens", "/webhooks"],
  VIEWER: ["/audit", "/tokens", "/webhooks"],
};

function sidebar(page: Page) {
  return page.getByRole("navigation", { name: "Sections" });
}

/** The users table's row for an email. */
function rowOf(page: Page, email: string) {
  return page.getByRole("row").filter({ has: page.getByRole("cell", { name: email, exact: true }) });
}

for (const role of ["ADMIN", "EDITOR", "VIEWER"] as const) {
  test.describe(`signed in as ${role}`, () => {
    test.use({ storageState: storageStateOf(role) });

    test("the sidebar offers exactly the sections this role may open, and names who is signed in", async ({ page }) => {
      await page.goto("/users");
      await expect(sidebar(page).getByRole("link")).toHaveText(SECTIONS[role]);
      const signedInAs = page.getByRole("group", { name: "Signed in as" });
      await expect(signedInAs).toContainText(ACCOUNTS[role].email);
      await expect(signedInAs).toContainText(new RegExp(role, "i"));
    });

    test("pages outside the role answer 'no access' rather than showing anything", async ({ page }) => {
      for (const path of FORBIDDEN_PAGES[role]) {
        const response = await page.goto(path);
        expect(response?.status()).toBe(403);
        await expect(page.getByRole("heading", { name: /do not have access/i })).toBeVisible();
      }
    });

    test("the users page offers only the actions this role may take", async ({ page }) => {
      await page.goto("/users");
      const invite = page.getByRole("button", { name: "Invite user" });
      if (role === "ADMIN") await expect(invite).toBeVisible();
      else await expect(invite).toHaveCount(0);

      const actionsOn = (email: string) => rowOf(page, email).getByRole("button", { name: /actions/i });
      if (role === "VIEWER") {
        await expect(page.getByRole("button", { name: /actions/i })).toHaveCount(0);
        return;
      }
      // Everyone who may change users may act on the viewer; only an admin on an admin.
      await expect(actionsOn(ACCOUNTS.VIEWER.email)).toBeVisible();
      if (role === "EDITOR") await expect(actionsOn(ACCOUNTS.ADMIN.email)).toHaveCount(0);
      else await expect(actionsOn(ACCOUNTS.ADMIN.email)).toBeVisible();

      await actionsOn(ACCOUNTS.VIEWER.email).click();
      const roleChange = page.getByRole("menuitem", { name: /change role/i });
      if (role === "ADMIN") await expect(roleChange).toBeVisible();
      else await expect(roleChange).toHaveCount(0);
      await expect(page.getByRole("menuitem", { name: /disable/i })).toBeVisible();
      await page.keyboard.press("Escape");
    });
  });
}

test("signing out ends the session: the old page sends you to sign in", async ({ browser }) => {
  // A session of its own, so signing out does not end the one the other specs share.
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(ACCOUNTS.VIEWER.email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Users" })).toBeVisible();

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  await page.goto("/users");
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fusers/);
  await context.close();
});
