/**
 * CSV imports in Chromium (issue 7, item 5; issue 23): an admin chooses a file, sees the server's dry run of its
 * first rows with their problems while nothing is written, starts the import, watches the progress over
 * Server-Sent Events until it is done, downloads the error report, and finds the import in the list; the CSV
 * template downloads with the importer's columns and previews clean when dropped on the page. Runs in the `later`
 * project: it adds users to the list other specs check.
 */
import { readFile } from "node:fs/promises";

import { expect, test, type Page } from "@playwright/test";

import { IMPORT_COLUMNS } from "../lib/domain/import-job";
import { ACCOUNTS, storageStateOf } from "./support/accounts";

test.use({ storageState: storageStateOf("ADMIN") });

/** The file input, named by the drop zone that is its label. */
const fileInput = (page: Page) => page.getByLabel("Drop a CSV file here or choose one");
const csvFile = (name: string, text: string) => ({ name, mimeType: "text/csv", buffer: Buffer.from(text) });

/** The imports page, running in the browser: its past imports replace their skeleton only once it does. */
async function openImports(page: Page) {
  await page.goto("/imports");
  await expect(page.locator(".rt-Skeleton")).toHaveCount(0);
}

/** The users whose email contains `text`, through the API (the admin's session): what the database holds. */
async function usersMatching(page: Page, text: string): Promise<{ email: string; name: string }[]> {
  const response = await page.request.get(`/api/v1/users?${new URLSearchParams({ q: text, limit: "100" })}`);
  expect(response.status()).toBe(200);
  return (await response.json()).items;
}

test("a chosen file is previewed with each row's problem, nothing is written until Start import, then its good rows are", async ({ page }) => {
  const run = `preview${Date.now()}`;
  const csv = [
    "email,name,role",
    `${run}-ada@example.com,Ada ${run},VIEWER`,
    "not-an-email,Bad Email,",
    `${ACCOUNTS.EDITOR.email},Taken Already,`,
    `${run}-ADA@example.com,Ada Again,`,
    `${run}-bob@example.com,Bob ${run},EDITOR`,
  ].join("\n");
  await openImports(page);

  // The keyboard reaches the zone as the file input, after the template link. The file is then chosen on that
  // input: Enter on it opening Chromium's file chooser is the browser's own behaviour, and headless Chromium
  // did not always raise the chooser event (a fresh-clone run waited 30 s for it; the other runs saw it).
  await page.getByRole("link", { name: "Download CSV template" }).focus();
  await page.keyboard.press("Tab");
  await expect(fileInput(page)).toBeFocused();
  await fileInput(page).setInputFiles(csvFile("mixed.csv", csv));

  const chosen = page.getByRole("region", { name: "mixed.csv" });
  expect(Buffer.byteLength(csv)).toBeLessThan(1000);
  await expect(chosen).toContainText(`${Buffer.byteLength(csv)} bytes`);
  await expect(chosen.getByRole("status")).toHaveText("Of the 5 rows, 2 would create a user and 3 have problems.");
  const preview = chosen.getByRole("table", { name: "Preview of the first rows" });
  await expect(preview.getByRole("columnheader")).toHaveText(["Line", "email", "name", "role", "Problem"]);
  const rows = preview.getByRole("row");
  await expect(rows).toHaveCount(6);
  await expect(rows.nth(1).locator("th, td")).toHaveText(["2", `${run}-ada@example.com`, `Ada ${run}`, "VIEWER", "OK"]);
  await expect(rows.nth(2)).toContainText("email: Enter an email address");
  await expect(rows.nth(3)).toContainText("A user with this email already exists");
  await expect(rows.nth(4)).toContainText("Duplicate of line 2 of this file");
  await expect(rows.nth(5).locator("th, td")).toHaveText(["6", `${run}-bob@example.com`, `Bob ${run}`, "EDITOR", "OK"]);

  // A dry run: no user, no job.
  expect(await usersMatching(page, run)).toEqual([]);
  const imports = await page.request.get("/api/v1/imports?limit=100");
  expect((await imports.json()).items.filter((job: { filename: string | null }) => job.filename === "mixed.csv")).toEqual([]);

  await chosen.getByRole("button", { name: "Start import" }).click();
  const progress = page.getByRole("region", { name: /Import(ing…| finished)/ });
  await expect(progress.getByRole("heading", { name: "Import finished" })).toBeVisible({ timeout: 60_000 });
  await expect(progress.getByRole("status")).toHaveText("5 of 5 rows · 2 users created, 3 rows failed");
  // The file and its preview are gone: the next file starts from a clean zone.
  await expect(page.getByRole("region", { name: "mixed.csv" })).toHaveCount(0);
  const created = await usersMatching(page, run);
  expect(created.map((user) => user.name).sort()).toEqual([`Ada ${run}`, `Bob ${run}`]);
});

test("the CSV template has the importer's columns, and previews clean when dropped on the page", async ({ page }) => {
  await openImports(page);
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download CSV template" }).click();
  const template = await download;
  expect(template.suggestedFilename()).toBe("users-import-template.csv");
  const text = await readFile(await template.path(), "utf8");
  const [header, example, ...rest] = text.split("\r\n");
  expect(header).toBe(IMPORT_COLUMNS.join(","));
  expect(example?.split(",")).toHaveLength(IMPORT_COLUMNS.length);
  expect(rest).toEqual([""]);

  // Dragged onto the zone (a drop event carrying the file, as the browser sends it): checked like a chosen one.
  const dataTransfer = await page.evaluateHandle((csv) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([csv], "template.csv", { type: "text/csv" }));
    return transfer;
  }, text);
  const zone = page.locator(".drop-zone");
  await zone.dispatchEvent("dragenter", { dataTransfer });
  await expect(zone).toHaveAttribute("data-dragging", "true");
  await zone.dispatchEvent("drop", { dataTransfer });
  await expect(zone).not.toHaveAttribute("data-dragging");
  const chosen = page.getByRole("region", { name: "template.csv" });
  await expect(chosen.getByRole("status")).toHaveText("Of the 1 row, 1 would create a user and 0 have problems.");
  await expect(chosen.getByRole("row").nth(1).getByRole("cell").last()).toHaveText("OK");

  // Cleared: the zone takes the next file, and the keyboard focus is back on it.
  await chosen.getByRole("button", { name: "Clear the file" }).click();
  await expect(page.getByRole("region", { name: "template.csv" })).toHaveCount(0);
  await expect(fileInput(page)).toBeFocused();
});

test("an import with bad rows: live progress, the counts, and the error report as CSV", async ({ page }) => {
  const rows = Array.from({ length: 1_200 }, (_, i) => (i % 100 === 7 ? `not-an-email-${i},Bad ${i}` : `imported-${i}@example.com,Imported ${i}`));
  const csv = `email,name\n${rows.join("\n")}\n`;
  await openImports(page);
  await fileInput(page).setInputFiles(csvFile("people.csv", csv));
  const chosen = page.getByRole("region", { name: "people.csv" });
  // Only the first rows are judged; the preview says there are more.
  await expect(chosen.getByRole("status")).toHaveText(
    "Of the first 20 rows, 19 would create a user and 1 has a problem. The file has more rows than these: the import " +
      "checks them as it runs, and its error report lists those it skips.",
  );
  await chosen.getByRole("button", { name: "Start import" }).click();

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

test("a file that cannot be imported is refused in its preview with the reason, offers no import, and nothing is queued", async ({ page }) => {
  await openImports(page);
  await fileInput(page).setInputFiles(csvFile("wrong.csv", "mail,fullname\nx,y\n"));
  const chosen = page.getByRole("region", { name: "wrong.csv" });
  await expect(chosen.getByRole("alert")).toContainText("This file cannot be imported: The header row must name the columns email and name");
  await expect(chosen.getByRole("alert")).toContainText("missing column(s) email, name");
  await expect(chosen.getByRole("button", { name: "Start import" })).toHaveCount(0);
  await expect(page.getByRole("region", { name: "Past imports" }).getByRole("row").filter({ hasText: "wrong.csv" })).toHaveCount(0);
});
