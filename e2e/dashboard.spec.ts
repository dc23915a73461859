/**
 * The dashboard's service health (issue 8): requests per second and the server-error share over the last hour,
 * read from the server's own metrics, drawn as charts with a text summary each.
 */
import { expect, test } from "@playwright/test";

import { storageStateOf } from "./support/accounts";

test.use({ storageState: storageStateOf("ADMIN") });

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
  await expect(requests.locator(".recharts-area-area")).toHaveCount(1);
  await expect(requests.locator("svg.recharts-surface").first()).toContainText(/\d\/s/);

  const errors = section.getByRole("figure").filter({ hasText: "Server errors (5xx)" });
  await expect(errors.locator("figcaption")).toHaveText(/answered with a server error \([\d.,]+\s?%\)\.$/);
  await expect(errors.locator("svg.recharts-surface").first()).toContainText(/\d%/);
});
