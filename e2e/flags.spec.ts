/**
 * Feature flags in Chromium (issue 9): an ADMIN changes a flag on the flags pages and sees the app follow without
 * a restart, puts it back from the history, targets users individually and by rule and sees why each gets what on
 * the user's page; a change made meanwhile by someone else is refused and offered for reload; a VIEWER only reads.
 * Every change here is undone before the test ends: the other specs share this server. Flags that change the whole
 * app (read-only mode, imports) are flipped in flags.ops.spec.ts, in the `ops` project, which runs after this one.
 */
import { expect, test, type Page } from "@playwright/test";

import { ACCOUNTS, storageStateOf } from "./support/accounts";

// Each test edits a flag, waits for an open tab to follow it, and puts the flag back: 30 s per test was too tight
// on a loaded CI machine.
test.describe.configure({ timeout: 90_000 });

const DENSITY = "users-table-density";

/** The version the flag's page shows ("version 3"). */
async function shownVersion(page: Page): Promise<number> {
  const badge = page.getByText(/^version \d+$/);
  await expect(badge).toBeVisible();
  return Number((await badge.textContent())?.replace("version ", ""));
}

/** Puts the flag back as it was at `version`, from the history on its page, and waits until that is saved. */
async function revertTo(page: Page, key: string, version: number) {
  await page.goto(`/flags/${key}`);
  const history = page.getByRole("table", { name: `History of ${key}` });
  await history.getByRole("button", { name: `Revert to version ${version}`, exact: true }).click();
  const dialog = page.getByRole("alertdialog", { name: `Revert ${key} to version ${version}?` });
  await expect(dialog).toContainText("saved as a new version");
  await dialog.getByRole("button", { name: `Revert to version ${version}` }).click();
  await expect(page.getByText(`${key} is back to version ${version}`)).toBeVisible();
  await expect(dialog).toHaveCount(0);
}

/**
 * Puts the flag back as it was at `version` through the API: for tests whose subject is not the revert (the
 * first test walks it in the UI), the same state in a fraction of the time.
 */
async function revertByApi(page: Page, key: string, version: number) {
  const etag = (await page.request.get(`/api/v1/flags/${key}`)).headers().etag ?? "";
  const origin = new URL(page.url()).origin;
  const reverted = await page.request.post(`/api/v1/flags/${key}/revert`, { data: { version }, headers: { "if-match": etag, origin } });
  expect(reverted.status()).toBe(200);
}

function usersTable(page: Page) {
  return page.locator(".user-table");
}

async function firstRowHeight(page: Page): Promise<number> {
  const box = await page.getByRole("table").getByRole("row").nth(1).boundingBox();
  return box?.height ?? 0;
}

test.describe("as an ADMIN", () => {
  test.use({ storageState: storageStateOf("ADMIN") });

  test("the default rule set to spacious redraws the users table without a restart; reverting from history brings it back", async ({ page }) => {
    await page.goto("/users");
    await expect(usersTable(page)).toHaveAttribute("data-density", "comfortable");
    const comfortableHeight = await firstRowHeight(page);
    // A second tab left open on the users page follows the change by itself, without a reload.
    const openTab = await page.context().newPage();
    await openTab.goto("/users");
    await expect(usersTable(openTab)).toHaveAttribute("data-density", "comfortable");

    await page.goto("/flags");
    const row = page.getByRole("table", { name: "Feature flags" }).getByRole("row").filter({ has: page.getByRole("link", { name: DENSITY, exact: true }) });
    await expect(row).toContainText("comfortable · 100 %");
    await row.getByRole("link", { name: DENSITY }).click();
    await expect(page.getByRole("heading", { level: 1, name: DENSITY })).toBeVisible();
    const before = await shownVersion(page);

    const defaultRule = page.getByRole("region", { name: "Default rule" });
    await defaultRule.getByLabel("Share for comfortable").fill("0");
    await defaultRule.getByLabel("Share for spacious").fill("60");
    await expect(defaultRule.getByText("Total: 60 % (must be exactly 100 %)")).toBeVisible();
    await defaultRule.getByRole("button", { name: "Save default rule" }).click();
    await expect(defaultRule.getByRole("alert")).toHaveText("The shares add up to 60 %: they must add up to exactly 100 %.");
    await expect(page.getByText(`version ${before}`, { exact: true })).toBeVisible();

    await defaultRule.getByLabel("Share for spacious").fill("100");
    await expect(defaultRule.getByText("Total: 100 %", { exact: true })).toBeVisible();
    await defaultRule.getByRole("button", { name: "Save default rule" }).click();
    await expect(page.getByText(`${DENSITY}: default rule saved`)).toBeVisible();
    await expect(page.getByText(`version ${before + 1}`, { exact: true })).toBeVisible();

    await expect(usersTable(openTab)).toHaveAttribute("data-density", "spacious", { timeout: 15_000 });
    await page.goto("/users");
    await expect(usersTable(page)).toHaveAttribute("data-density", "spacious");
    expect(await firstRowHeight(page)).toBeGreaterThan(comfortableHeight + 8);

    await page.goto(`/flags/${DENSITY}`);
    const newest = page.getByRole("table", { name: `History of ${DENSITY}` }).getByRole("row").nth(1);
    await expect(newest).toContainText("default rule: comfortable → spacious");
    await expect(newest).toContainText(ACCOUNTS.ADMIN.email);
    await revertTo(page, DENSITY, before);
    await expect(page.getByRole("table", { name: `History of ${DENSITY}` }).getByRole("row").nth(1)).toContainText("Reverted");

    await page.goto("/users");
    await expect(usersTable(page)).toHaveAttribute("data-density", "comfortable");
    await expect(usersTable(openTab)).toHaveAttribute("data-density", "comfortable", { timeout: 15_000 });
    await openTab.close();
  });

  test("an individual target and a rule on the role: the user's page shows each flag's variation and why", async ({ page, browser }) => {
    await page.goto(`/flags/${DENSITY}`);
    const before = await shownVersion(page);

    const targets = page.getByRole("region", { name: "Individual targets" });
    await expect(targets).toContainText("Nobody is listed individually.");
    await targets.getByLabel("User email or id").fill("nobody@example.com");
    await targets.getByRole("button", { name: "Add target" }).click();
    await expect(targets.getByRole("alert")).toHaveText("No user has the email nobody@example.com.");
    await targets.getByLabel("User email or id").fill(ACCOUNTS.VIEWER.email);
    await targets.getByRole("combobox", { name: "Gets" }).selectOption({ label: "compact" });
    await targets.getByRole("button", { name: "Add target" }).click();
    await expect(targets.getByRole("list", { name: "Users who get compact" })).toContainText(ACCOUNTS.VIEWER.email);
    await targets.getByRole("button", { name: "Save targets" }).click();
    await expect(page.getByText(`${DENSITY}: individual targets saved`)).toBeVisible();

    const rules = page.getByRole("region", { name: "Rules" });
    await rules.getByRole("button", { name: "Add rule" }).click();
    const rule = rules.getByRole("group", { name: "Rule 1", exact: true });
    await expect(rule.getByRole("combobox", { name: "Rule 1, condition 1: attribute" })).toHaveValue("role");
    // Too long a value for a condition: the API's answer is shown next to the form, nothing is saved.
    await rule.getByRole("textbox", { name: "Rule 1, condition 1: values" }).fill("x".repeat(400));
    await rules.getByRole("button", { name: "Save rules" }).click();
    await expect(rules.getByRole("alert")).toContainText("Not saved");
    await expect(rules.getByRole("alert")).toContainText("rules.0.clauses.0.values.0");
    await rule.getByRole("textbox", { name: "Rule 1, condition 1: values" }).fill("EDITOR");
    await rule.getByRole("combobox", { name: "Rule 1: serve" }).selectOption({ label: "spacious" });
    await rules.getByRole("button", { name: "Save rules" }).click();
    await expect(page.getByText(`${DENSITY}: rules saved`)).toBeVisible();
    await expect(rules.getByRole("alert")).toHaveCount(0);

    await page.goto("/users");
    await page.getByRole("link", { name: ACCOUNTS.VIEWER.name }).click();
    await expect(page.getByRole("heading", { level: 1, name: ACCOUNTS.VIEWER.name })).toBeVisible();
    await expect(page.getByRole("definition").filter({ hasText: ACCOUNTS.VIEWER.email })).toBeVisible();
    const flagsOf = (key: string) => page.getByRole("table", { name: "Feature flags" }).getByRole("row").filter({ has: page.getByRole("rowheader", { name: key }) });
    await expect(flagsOf(DENSITY).getByRole("cell")).toHaveText(["compact", "Listed individually among the flag's targets."]);
    await expect(flagsOf("bulk-import").getByRole("cell")).toHaveText(["true", "The default rule: no individual target or rule applies to this user."]);

    await page.goto("/users");
    await page.getByRole("link", { name: ACCOUNTS.EDITOR.name }).click();
    await expect(flagsOf(DENSITY).getByRole("cell")).toHaveText(["spacious", /^Matched one of the flag's rules/]);

    // The viewer's own users table is drawn as their variation says.
    const viewer = await browser.newContext({ storageState: storageStateOf("VIEWER") });
    const viewerPage = await viewer.newPage();
    await viewerPage.goto("/users");
    await expect(usersTable(viewerPage)).toHaveAttribute("data-density", "compact");
    await viewer.close();

    await revertByApi(page, DENSITY, before);
    await page.goto(`/flags/${DENSITY}`);
    await expect(page.getByRole("region", { name: "Individual targets" })).toContainText("Nobody is listed individually.");
    await expect(page.getByRole("region", { name: "Rules" })).toContainText("No rules.");
  });

  test("a change someone else saved meanwhile is not overwritten: the form says so and reloads the flag", async ({ page, baseURL }) => {
    await page.goto(`/flags/${DENSITY}`);
    const before = await shownVersion(page);
    const defaultRule = page.getByRole("region", { name: "Default rule" });
    await defaultRule.getByLabel("Share for comfortable").fill("0");
    await defaultRule.getByLabel("Share for compact").fill("100");

    // Another admin changes the default rule through the API while this form is being filled in.
    const etag = (await page.request.get(`/api/v1/flags/${DENSITY}`)).headers().etag ?? "";
    const elsewhere = await page.request.patch(`/api/v1/flags/${DENSITY}`, {
      data: { fallthrough: { variation: 2 } },
      headers: { "if-match": etag, origin: baseURL ?? "" },
    });
    expect(elsewhere.status()).toBe(200);

    await defaultRule.getByRole("button", { name: "Save default rule" }).click();
    await expect(defaultRule.getByRole("alert")).toContainText("This flag was changed by someone else since you opened it");
    await defaultRule.getByRole("button", { name: "Reload the flag" }).click();
    await expect(defaultRule.getByLabel("Share for spacious")).toHaveValue("100");
    await expect(defaultRule.getByLabel("Share for compact")).toHaveValue("0");
    await expect(defaultRule.getByRole("alert")).toHaveCount(0);

    await revertByApi(page, DENSITY, before);
  });
});

test.describe("as a VIEWER", () => {
  test.use({ storageState: storageStateOf("VIEWER") });

  test("the flags are there to read, with nothing to change", async ({ page }) => {
    await page.goto("/users");
    await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Flags" }).click();
    const table = page.getByRole("table", { name: "Feature flags" });
    await expect(table.getByRole("row")).toHaveCount(4);
    await expect(table.getByRole("row").filter({ hasText: "bulk-import" })).toContainText("On");
    await expect(page.getByRole("switch")).toHaveCount(0);
    await expect(page.getByText("Only administrators can change flags.")).toBeVisible();

    await table.getByRole("link", { name: "bulk-import" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "bulk-import" })).toBeVisible();
    await expect(page.getByText("You can look at this flag; only administrators can change it.")).toBeVisible();
    await expect(page.getByRole("region", { name: "Default rule" })).toContainText("Everyone else gets true.");
    await expect(page.getByRole("table", { name: "History of bulk-import" })).toContainText("Created");
    await expect(page.getByRole("switch")).toHaveCount(0);
    await expect(page.getByRole("textbox")).toHaveCount(0);
    await expect(page.getByRole("button", { name: /save|revert|add/i })).toHaveCount(0);
  });
});
