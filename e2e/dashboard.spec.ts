/**
 * The dashboard: the users in numbers (issue 7: signups per day, users by status and by role) for every role, and
 * the service's health (issue 8: requests per second and the server-error share over the last hour, read from
 * the server's own metrics) for ADMINs; charts with a text summary each.
 */
import { expect, test } from "@playwright/test";

import { storageStateOf } from "./support/accounts";

test.use({ storageState: storageStateOf("ADMIN") });

test("charts the users: signups per day over 90 days, by status, by role, with the seeded numbers", async ({ page }) => {
  const stats = await (await page.request.get("/api/v1/users/stats")).json();
  await page.goto("/dashboard");
  const section = page.getByRole("region", { name: "Users" });
  const signups = section.getByRole("figure").filter({ hasText: "Signups per day, last 90 days" });
  const total = stats.signupsPerDay.reduce((sum: number, entry: { count: number }) => sum + entry.count, 0);
  await expect(signups.locator("figcaption")).toContainText(`${total.toLocaleString("en-US")} users signed up in the last 90 days`);
  await expect(signups.locator("svg.chart .chart-bar").first()).toBeVisible();
  const byStatus = section.getByRole("figure").filter({ hasText: "Users by status" });
  await expect(byStatus.locator("figcaption")).toContainText(`${stats.byStatus.ACTIVE.count.toLocaleString("en-US")} active`);
  await expect(byStatus.locator("svg.chart text", { hasText: "ACTIVE" })).toBeVisible();
  const byRole = section.getByRole("figure").filter({ hasText: "Users by role" });
  await expect(byRole.locator("figcaption")).toContainText(`${stats.byRole.ADMIN.count.toLocaleString("en-US")} admin`);
});

test.describe("as a VIEWER", () => {
  test.use({ storageState: storageStateOf("VIEWER") });
  test("sees the users' charts but not the service's health", async ({ page }) => {
    await page.goto("/dashboard");
    await expect(page.getByRole("region", { name: "Users" })).toBeVisible();
    await expect(page.getByRole("region", { name: "Service health, last hour" })).toHaveCount(0);
  });
});

test("shows this hour's traffic as two charts, counting the requests the test itself just made", async ({ page }) => {
  // Traffic of our own, in the minute the chart is drawn: the API and a page, each counted once answered.
  for (let i = 0; i < 5; i++) expect((await page.request.get("/api/v1/users?limit=1")).status()).toBe(200);
  await page.goto("/dashboard");
  const section = page.getByRole("region", { name: "Service health, last hour" });
  await expect(section).toBeVisible();

  const requests = section.getByRole("figure").filter({ hasText: "Requests per second" });
  await expect(requests.locator("figcaption")).toHaveText(/^[\d,.\s]+ requests in the last hour; at most [\d.,]+ per second in a minute\.$/);
  const counted = Number((await requests.locator("figcaption").textContent())?.match(/^([\d,.\s]+) requests/)?.[1]?.replace(/\D/g, ""));
  expect(counted).toBeGreaterThanOrEqual(5);
  // Drawn, with units on the axis, not just summarised.
  await expect(requests.locator("svg.chart .chart-area")).toHaveCount(1);
  await expect(requests.locator("svg.chart text", { hasText: /\d\/s$/ }).first()).toBeVisible();

  const errors = section.getByRole("figure").filter({ hasText: "Server errors (5xx)" });
  await expect(errors.locator("figcaption")).toHaveText(/answered with a server error \([\d.,]+\s?%\)\.$/);
  await expect(errors.locator("svg.chart text", { hasText: /\d%$/ }).first()).toBeVisible();
});
