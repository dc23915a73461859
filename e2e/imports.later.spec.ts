/**
 * CSV imports in Chromium (issue 7, item 5): an admin uploads a file with bad rows, watches the progress over
 * Server-Sent Events until it is done, downloads the error report, and finds the import in the list. Runs in
 * the `later` project: it adds users to the list other specs check.
 */
import { readFile } from "node:fs/promises";

import { expect, test } from "@playwright/test";

import { storageStateOf } from "./support/accounts";

test.use({ storageState: storageStateOf("ADMIN") });

test("an import with bad rows: live progress, the counts, and the error report as CSV", async ({ page }) => {
  const rows = Array.from({ length: 1_200 }, (_, i) => (i % 100 === 7 ? `not-an-email-${i},Bad ${i}` : `imported-${i}@example.com,Imported ${i}`));
  const csv = `email,name\n${rows.join("\n")}\n`;
  await page.goto("/imports");
  await page.getByLabel("CSV file", { exact: true }).setInputFiles({ name: "people.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.getByRole("button", { name: "Import" }).click();

  const progress = page.getByRole("region", { name: /Import(ing…| finished)/ });
  await expect(progress.getByRole("heading", { name: "Import finished" })).toBeVisible({ timeout: 60_000 });
  await expect(progress.getByRole("status")).toHaveText("1,200 of 1,200 rows · 1,188 users created, 12 rows failed");
  await expect(progress.getByRole("progressbar", { name: "Import progress" })).toHaveAttribute("aria-valuenow", "100");

  const download = page.waitForEvent("download");
  await progress.getByRole("link", { name: /Download the error report \(12 rows, CSV\)/ }).click();
  const file = await (await download).path();
  const report = (await readFile(file, "utf8")).split("\r\n");
  expect(report[0]).toBe("line,email,reason");
  expect(report[1]).toBe("9,not-an-email-7,email: Enter an email address");
  expect(report.filter(Boolean)).toHaveLength(13);

  const listed = page.getByRole("region", { name: "Past imports" }).getByRole("row").filter({ hasText: "people.csv" });
  await expect(listed).toContainText("succeeded");
  await expect(listed).toContainText("1,188 created, 12 failed of 1,200");
  await expect(listed.getByRole("link", { name: "12 failed rows (CSV)" })).toBeVisible();
});

test("a file that cannot be imported is refused with the reason, and nothing is queued", async ({ page }) => {
  await page.goto("/imports");
  await page.getByLabel("CSV file", { exact: true }).setInputFiles({ name: "wrong.csv", mimeType: "text/csv", buffer: Buffer.from("mail,fullname\nx,y\n") });
  await page.getByRole("button", { name: "Import" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "The file was not imported" })).toContainText("missing column(s) email, name");
  await expect(page.getByRole("region", { name: "Past imports" }).getByRole("row").filter({ hasText: "wrong.csv" })).toHaveCount(0);
});
