/**
 * Keyboard shortcuts (issue 7, item 7): `?` lists them in a dialog that Esc closes, a button in the sidebar opens
 * the same list for those who do not know the key, `/` goes to the page's search field (the audit log's actor
 * filter, the users table's search), and none of them fires while typing in a field.
 */
import { expect, test, type Page } from "@playwright/test";

import { storageStateOf } from "./support/accounts";

test.use({ storageState: storageStateOf("ADMIN") });

/** The audit log, once its events have been fetched in the browser: the page is hydrated, its keys bound. */
async function openAuditLog(page: Page) {
  await page.goto("/audit");
  await expect(page.getByRole("table").getByRole("row").nth(1)).toBeVisible({ timeout: 15_000 });
}

function shortcutsDialog(page: Page) {
  return page.getByRole("dialog", { name: "Keyboard shortcuts" });
}

test("? lists the shortcuts, the users table's among them; Esc closes the list and gives focus back", async ({ page }) => {
  await openAuditLog(page);
  await page.keyboard.press("?");
  const dialog = shortcutsDialog(page);
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole("region", { name: "Anywhere in the console" })).toContainText("/Go to the page's search field");
  const table = dialog.getByRole("region", { name: "Users table" });
  await expect(table.getByRole("term")).toHaveText(["j", "k", "Enter"]);
  await expect(table.getByRole("definition")).toHaveText(["Next row", "Previous row", "Open the focused row's user"]);
  await page.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);

  // The same list for mouse users, from a labelled button in the sidebar; Close closes it.
  const button = page.getByRole("button", { name: "Keyboard shortcuts" });
  await button.click();
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Close" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(button).toBeFocused();
});

test("/ goes to the page's search field, where ? and / are typed as text; Esc leaves the field", async ({ page }) => {
  await openAuditLog(page);
  const actor = page.getByRole("textbox", { name: "Actor" });
  await expect(actor).not.toBeFocused();
  await page.keyboard.press("/");
  await expect(actor).toBeFocused();
  // The `/` that moved the focus is not typed into the field.
  await expect(actor).toHaveValue("");

  await page.keyboard.type("who/what?");
  await expect(actor).toHaveValue("who/what?");
  await expect(shortcutsDialog(page)).toHaveCount(0);
  // Nor in another field that is not the page's search.
  await page.getByRole("textbox", { name: "Action" }).press("?");
  await expect(shortcutsDialog(page)).toHaveCount(0);

  await actor.focus();
  await page.keyboard.press("Escape");
  await expect(actor).not.toBeFocused();
  await expect(actor).toHaveValue("who/what?");
  // Out of the field, the keys are shortcuts again.
  await page.keyboard.press("?");
  await expect(shortcutsDialog(page)).toBeVisible();
});

test("/ on the users table goes to its search, and what is typed there filters the table", async ({ page }) => {
  await page.goto("/users");
  const rows = page.getByRole("table").getByRole("row");
  await expect(rows.nth(1)).toBeVisible({ timeout: 15_000 });
  const search = page.getByRole("searchbox", { name: "Search users by name or email" });
  await page.keyboard.press("/");
  await expect(search).toBeFocused();
  await page.keyboard.type("admin@example.com");
  await expect(page).toHaveURL(/[?&]q=admin%40example\.com/);
  await expect(rows).toHaveCount(2);
});
