/**
 * An import paused by read-only mode (issue 18, item 9), as an ADMIN sees it on the imports page: the live
 * progress and the list say it is paused and why, and once read-only mode is off it finishes by itself. Runs in
 * the `ops` project (a server of its own, one test after the other): read-only mode refuses every other spec's
 * changes while it is on.
 */
import { expect, test, type APIRequestContext } from "@playwright/test";

import { storageStateOf } from "./support/accounts";

test.describe.configure({ mode: "serial", timeout: 120_000 });
test.use({ storageState: storageStateOf("ADMIN", "ops") });

async function setReadOnly(request: APIRequestContext, origin: string, on: boolean) {
  const etag = (await request.get("/api/v1/flags/ops-read-only-mode")).headers().etag ?? "";
  const changed = await request.patch("/api/v1/flags/ops-read-only-mode", {
    data: on ? { on: true, fallthrough: { variation: 0 } } : { on: false },
    headers: { "if-match": etag, origin },
  });
  expect(changed.status()).toBe(200);
}

test("an import paused by read-only mode says so and why, and finishes by itself once it is off", async ({ page }) => {
  // Long enough (about 10 s on the embedded database) that read-only mode goes on while it runs.
  const rows = Array.from({ length: 5_000 }, (_, i) => `paused-${i}@example.com,Paused ${i}`);
  await page.goto("/imports");
  const origin = new URL(page.url()).origin;
  await page.getByLabel("CSV file", { exact: true }).setInputFiles({
    name: "paused.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(`email,name\n${rows.join("\n")}\n`),
  });
  await page.getByRole("button", { name: "Import" }).click();
  const progress = page.getByRole("region", { name: /Import(ing…| paused| finished)/ });
  await expect(progress.getByRole("heading", { name: "Importing…" })).toBeVisible();

  await setReadOnly(page.request, origin, true);
  try {
    await expect(progress.getByRole("heading", { name: "Import paused" })).toBeVisible({ timeout: 15_000 });
    await expect(progress).toContainText("Paused: the console is in read-only mode (flag ops-read-only-mode). It resumes by itself once that is turned off.");
    const listed = page.getByRole("region", { name: "Past imports" }).getByRole("row").filter({ hasText: "paused.csv" });
    await expect(listed).toContainText("paused", { timeout: 15_000 });
    await expect(listed).toContainText("Paused: the console is in read-only mode");
  } finally {
    await setReadOnly(page.request, origin, false);
  }

  await expect(progress.getByRole("heading", { name: "Import finished" })).toBeVisible({ timeout: 90_000 });
  await expect(progress.getByRole("status")).toHaveText("5,000 of 5,000 rows · 5,000 users created, 0 rows failed");
  await expect(progress).not.toContainText("Paused");
});
