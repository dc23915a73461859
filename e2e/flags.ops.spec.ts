/**
 * The flags that change the whole app, flipped in the UI (issue 9): read-only mode and imports. Runs in the `ops`
 * project (playwright.config.ts): after the `chromium` specs and before the `later` ones, one test after the other,
 * so turning changes off here cannot fail another spec's change; and whatever a test here leaves switched, the flags
 * are put back as the test found them when it ends, pass or fail, so the specs after it meet the app as usual.
 */
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";

import { storageStateOf } from "./support/accounts";
import { usersApi, type ApiUser } from "./support/users-api";

// Each test walks several pages: 30 s per test was too tight on a loaded CI machine.
test.describe.configure({ mode: "serial", timeout: 90_000 });
test.use({ storageState: storageStateOf("ADMIN") });

const READ_ONLY = "ops-read-only-mode";
const IMPORTS = "bulk-import";

/** The whole-app flags' versions as each test starts: what it puts back if it left one switched. */
let versionsBefore: Record<string, number> = {};

async function flagVersion(request: APIRequestContext, key: string): Promise<{ version: number; etag: string }> {
  const response = await request.get(`/api/v1/flags/${key}`);
  expect(response.status()).toBe(200);
  return { version: Number((await response.json()).version), etag: response.headers().etag ?? "" };
}

/** What the signed-in admin is served now, as the API's gates evaluate it. */
async function served(request: APIRequestContext, key: string) {
  const { items } = await (await request.get("/api/v1/session/flags")).json();
  return items.find((flag: { key: string }) => flag.key === key)?.value;
}

test.beforeEach(async ({ page }) => {
  versionsBefore = {};
  for (const key of [READ_ONLY, IMPORTS]) versionsBefore[key] = (await flagVersion(page.request, key)).version;
});

// A test that failed half-way must not leave read-only mode on or imports off for the specs after it.
test.afterEach(async ({ page, baseURL }) => {
  const origin = new URL(baseURL ?? "").origin;
  for (const [key, usual] of [[READ_ONLY, false], [IMPORTS, true]] as const) {
    if ((await served(page.request, key)) === usual) continue;
    const { etag } = await flagVersion(page.request, key);
    const reverted = await page.request.post(`/api/v1/flags/${key}/revert`, { data: { version: versionsBefore[key] }, headers: { "if-match": etag, origin } });
    expect(reverted.status(), `${key} put back`).toBe(200);
  }
});

function banner(page: Page) {
  return page.getByRole("status").filter({ hasText: "Read-only mode: changes are turned off during an incident" });
}

function flagRow(page: Page, key: string) {
  return page.getByRole("table", { name: "Feature flags" }).getByRole("row").filter({ has: page.getByRole("link", { name: key, exact: true }) });
}

/**
 * Disables or enables a user from their row's menu on the users table. The user is the test's own: disabling
 * someone ends their sessions, and the setup's viewer is signed in for the specs that run after this one.
 */
async function setStatus(page: Page, user: ApiUser, action: "Disable" | "Enable") {
  const row = page.getByRole("row").filter({ has: page.getByRole("cell", { name: user.email, exact: true }) });
  await row.getByRole("button", { name: `Actions for ${user.name}` }).click();
  await page.getByRole("menuitem", { name: action }).click();
}

test("read-only mode turned on in the UI: every page shows the banner, changes are refused; turned off, both end", async ({ page, baseURL }) => {
  const user = await usersApi(page.request, baseURL).create({ email: `read-only-${Date.now()}@example.com`, name: "Rhoda Readonly" });
  await page.goto("/users");
  await expect(page.getByRole("heading", { level: 1, name: "Users" })).toBeVisible();
  await expect(banner(page)).toHaveCount(0);
  // A tab opened before the incident, left on the users page (searched down to the test's own user).
  const openTab = await page.context().newPage();
  await openTab.goto(`/users?q=${encodeURIComponent(user.email)}`);
  await expect(banner(openTab)).toHaveCount(0);

  await page.goto(`/flags/${READ_ONLY}`);
  const badge = page.getByText(/^version \d+$/);
  await expect(badge).toBeVisible();
  const before = Number((await badge.textContent())?.replace("version ", ""));
  const defaultRule = page.getByRole("region", { name: "Default rule" });
  await defaultRule.getByLabel("Share for true").fill("100");
  await defaultRule.getByLabel("Share for false").fill("0");
  await defaultRule.getByRole("button", { name: "Save default rule" }).click();
  await expect(page.getByText(`${READ_ONLY}: default rule saved`)).toBeVisible();
  await expect(banner(page)).toBeVisible();

  await page.goto("/dashboard");
  await expect(page.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();
  await expect(banner(page)).toBeVisible();

  // The tab opened earlier: its change is refused with the reason, and the banner appears with the refusal,
  // well before its next poll (10 s) would bring it.
  await setStatus(openTab, user, "Disable");
  await expect(openTab.getByText(/read-only mode during an incident/)).toBeVisible();
  await expect(banner(openTab)).toBeVisible({ timeout: 3_000 });

  // The kill switch: off serves false to everyone, whatever the default rule says.
  await page.goto("/flags");
  await flagRow(page, READ_ONLY).getByRole("switch", { name: `${READ_ONLY} on` }).click();
  const dialog = page.getByRole("alertdialog", { name: `Turn off ${READ_ONLY}?` });
  await expect(dialog).toContainText("Everyone gets false: changes work as usual.");
  await dialog.getByRole("button", { name: "Turn off" }).click();
  await expect(page.getByText(`${READ_ONLY} is off`)).toBeVisible();
  await expect(banner(page)).toHaveCount(0);
  await expect(flagRow(page, READ_ONLY).getByRole("switch")).toHaveAttribute("aria-checked", "false");
  await expect(banner(openTab)).toHaveCount(0, { timeout: 15_000 });

  await setStatus(openTab, user, "Disable");
  await expect(openTab.getByText(`${user.email} was disabled`)).toBeVisible();
  await setStatus(openTab, user, "Enable");
  await expect(openTab.getByText(`${user.email} was enabled`)).toBeVisible();
  await openTab.close();

  // Back as it was before the incident (on, serving false), through the API: reverting in the UI is
  // flags.spec.ts' subject.
  const { etag } = await flagVersion(page.request, READ_ONLY);
  const reverted = await page.request.post(`/api/v1/flags/${READ_ONLY}/revert`, {
    data: { version: before },
    headers: { "if-match": etag, origin: new URL(page.url()).origin },
  });
  expect(reverted.status()).toBe(200);
  await page.goto(`/flags/${READ_ONLY}`);
  await expect(page.getByRole("region", { name: "State" }).getByRole("switch")).toHaveAttribute("aria-checked", "true");
  await expect(banner(page)).toHaveCount(0);
});

test("bulk-import switched off in the UI: the imports API answers 404 FEATURE_OFF until it is switched on again", async ({ page }) => {
  expect((await page.request.get("/api/v1/imports")).status()).toBe(200);

  await page.goto("/flags");
  const toggle = flagRow(page, "bulk-import").getByRole("switch", { name: "bulk-import on" });
  await toggle.click();
  const off = page.getByRole("alertdialog", { name: "Turn off bulk-import?" });
  await expect(off).toContainText("Everyone gets false: imports are refused.");
  await off.getByRole("button", { name: "Turn off" }).click();
  await expect(page.getByText("bulk-import is off")).toBeVisible();
  await expect(toggle).toHaveAttribute("aria-checked", "false");

  const refused = await page.request.get("/api/v1/imports");
  expect(refused.status()).toBe(404);
  expect(await refused.json()).toMatchObject({ code: "FEATURE_OFF" });
  // The UI hides the section, and the page says why rather than offering an upload that would be refused.
  await page.goto("/imports");
  const sections = page.getByRole("navigation", { name: "Sections" });
  await expect(sections.getByRole("link", { name: "Imports" })).toHaveCount(0);
  await expect(page.getByRole("status").filter({ hasText: "Imports are turned off" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Import users from a CSV file" })).toHaveCount(0);
  await page.goto("/flags");

  await toggle.click();
  const on = page.getByRole("alertdialog", { name: "Turn on bulk-import?" });
  await expect(on).toContainText("by default everyone gets true, so imports are available.");
  await on.getByRole("button", { name: "Turn on" }).click();
  await expect(page.getByText("bulk-import is on")).toBeVisible();
  await expect(toggle).toHaveAttribute("aria-checked", "true");
  expect((await page.request.get("/api/v1/imports")).status()).toBe(200);
  await page.goto("/imports");
  await expect(page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Imports" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Import users from a CSV file" })).toBeVisible();
});
