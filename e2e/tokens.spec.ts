/**
 * The API tokens page (issue 18): a token made there belongs to the ADMIN who made it and always expires; the
 * table says both.
 */
import { expect, test } from "@playwright/test";

import { ACCOUNTS, storageStateOf } from "./support/accounts";

test.use({ storageState: storageStateOf("ADMIN") });

test("a token made without an expiry shows its owner and an expiry 90 days out", async ({ page }) => {
  const name = `e2e token ${Date.now()}`;
  await page.goto("/tokens");
  await page.getByRole("button", { name: "Create token" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByRole("button", { name: "Create token" }).click();
  await expect(dialog.getByText("The token is ready")).toBeVisible();
  await dialog.getByRole("button", { name: "Done" }).click();

  const row = page.getByRole("row").filter({ hasText: name });
  await expect(row.getByRole("link", { name: ACCOUNTS.ADMIN.email })).toBeVisible();
  const created = await page.request.get("/api/v1/tokens");
  const token = (await created.json()).items.find((item: { name: string }) => item.name === name);
  expect(Date.parse(token.expiresAt) - Date.parse(token.createdAt)).toBe(90 * 24 * 60 * 60_000);
  await expect(row.locator(`time[datetime="${token.expiresAt}"]`)).toBeVisible();
});
