/**
 * An import paused by read-only mode (issue 18, item 9), as an ADMIN sees it on the imports page: the list and the
 * live progress say it is paused and why, and once read-only mode is off it finishes by itself. Runs in the `ops`
 * project (after the `chromium` specs and before the `later` ones, one test after the other: read-only mode refuses
 * every other spec's changes), and turns read-only mode off again however it ends.
 *
 * The job is paused from its start, not caught mid-run: on the embedded database an import's batches hold the one
 * connection, so a flag change made while one runs waits for it to end. The file is uploaded through the API with
 * its body held back while read-only mode goes on: the upload was let in before, so it is accepted, and its job
 * pauses at once.
 */
import { request as httpRequest } from "node:http";

import { expect, test, type APIRequestContext } from "@playwright/test";

import { storageStateOf } from "./support/accounts";

test.describe.configure({ mode: "serial", timeout: 120_000 });
test.use({ storageState: storageStateOf("ADMIN") });

async function setReadOnly(request: APIRequestContext, origin: string, on: boolean) {
  const etag = (await request.get("/api/v1/flags/ops-read-only-mode")).headers().etag ?? "";
  const changed = await request.patch("/api/v1/flags/ops-read-only-mode", {
    data: on ? { on: true, fallthrough: { variation: 0 } } : { on: false },
    headers: { "if-match": etag, origin },
  });
  expect(changed.status()).toBe(200);
}

test("an import paused by read-only mode says so and why, and finishes by itself once it is off", async ({ page }) => {
  await page.goto("/imports");
  const origin = new URL(page.url()).origin;
  const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
  const rows = Array.from({ length: 300 }, (_, i) => `paused-${i}@example.com,Paused ${i}`).join("\n");
  const upload = httpRequest(`${origin}/api/v1/imports`, {
    method: "POST",
    headers: { cookie, origin, "content-type": "text/csv", "x-requested-with": "fetch" },
  });
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    upload.on("response", (response) => {
      let body = "";
      response.on("data", (piece: Buffer) => (body += piece.toString("utf8")));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    upload.on("error", reject);
  });
  // Its headers go out now: the upload is let in (read-only mode is checked as a request starts) before the
  // flag's change, two round trips and a transaction later, is made.
  upload.write("email,name\n");
  await setReadOnly(page.request, origin, true);
  try {
    upload.end(`${rows}\n`);
    const accepted = await answered;
    expect(accepted.status).toBe(202);

    await page.reload();
    const row = page.getByRole("region", { name: "Past imports" }).getByRole("row").filter({ hasText: "(no name)" }).first();
    await expect(row).toContainText("paused", { timeout: 15_000 });
    await expect(row).toContainText("Paused: the console is in read-only mode (flag ops-read-only-mode). It resumes by itself once that is turned off.");
    await row.getByRole("button", { name: "Follow progress" }).click();
    const progress = page.getByRole("region", { name: /Import(ing…| paused| finished)/ });
    await expect(progress.getByRole("heading", { name: "Import paused" })).toBeVisible();
    await expect(progress).toContainText("Paused: the console is in read-only mode");
    await expect(progress.getByRole("status")).toHaveText("0 of 300 rows · 0 users created, 0 rows failed");
  } finally {
    await setReadOnly(page.request, origin, false);
  }
  const progress = page.getByRole("region", { name: /Import(ing…| paused| finished)/ });
  await expect(progress.getByRole("heading", { name: "Import finished" })).toBeVisible({ timeout: 60_000 });
  await expect(progress.getByRole("status")).toHaveText("300 of 300 rows · 300 users created, 0 rows failed");
  await expect(progress).not.toContainText("Paused");
});
