import { expect, test, type Page } from "@playwright/test";

import { demoUsers } from "../lib/use-cases/seed-demo-users";
import { SETUP_ACCOUNTS_NEWEST_FIRST, storageStateOf } from "./support/accounts";

// The server under test starts on an empty embedded database and seeds it with these users (fixed seed and
// anchor date, distinct creation instants), so the list a person should see is known in advance: the
// accounts the setup project created (today), then the demo users (all dated before the anchor).
const demoNewestFirst = demoUsers()
  .map((user) => ({ email: user.email, createdAt: user.createdAt?.getTime() ?? 0 }))
  .sort((a, b) => b.createdAt - a.createdAt)
  .map((user) => user.email);
const newestFirst = [...SETUP_ACCOUNTS_NEWEST_FIRST, ...demoNewestFirst];

test.use({ storageState: storageStateOf("VIEWER") });

function usersPage(page: Page) {
  const table = page.getByRole("table");
  const pagination = page.getByRole("navigation", { name: "Pagination" });
  return {
    table,
    // Body rows only: the header row holds column headers, not cells.
    rows: table.getByRole("row").filter({ has: page.getByRole("cell") }),
    emails: table.getByRole("cell", { name: /@/ }),
    next: pagination.getByRole("link", { name: /Next/ }),
    previous: pagination.getByRole("link", { name: /Previous/ }),
  };
}

test.describe("users list", () => {
  test("shows the newest seeded users first and pages forward and back by cursor", async ({ page }) => {
    const list = usersPage(page);
    await page.goto("/users");

    await expect(page.getByRole("heading", { level: 1, name: "Users" })).toBeVisible();
    await expect(list.table.getByRole("columnheader")).toHaveText(["Name", "Email", "Role", "Status", "Created"]);
    await expect(list.rows).toHaveCount(20);
    await expect(list.emails).toHaveText(newestFirst.slice(0, 20));
    await expect(list.previous).toHaveCount(0);
    await expect(list.next).toHaveAttribute("rel", "next");

    await list.next.click();
    await expect(page).toHaveURL(/\/users\?cursor=/);
    await expect(list.emails).toHaveText(newestFirst.slice(20, 40));
    await expect(list.previous).toHaveAttribute("rel", "prev");

    await list.previous.click();
    await expect(list.emails).toHaveText(newestFirst.slice(0, 20));
    await expect(list.previous).toHaveCount(0);
  });

  test("walks every page at a larger page size, ending on the oldest demo user", async ({ page }) => {
    const list = usersPage(page);
    await page.goto("/users?limit=100");

    for (let start = 0; start < newestFirst.length; start += 100) {
      if (start > 0) await list.next.click();
      // Every seeded user exactly once, in order: nothing lost or repeated at a page boundary.
      await expect(list.emails).toHaveText(newestFirst.slice(start, start + 100));
    }
    await expect(list.rows.last()).toContainText(demoNewestFirst.at(-1) ?? "no demo users");
    await expect(list.next).toHaveCount(0);
    await expect(page).toHaveURL(/limit=100/);
  });

  test("explains a broken page link and leads back to the first page", async ({ page }) => {
    const list = usersPage(page);
    await page.goto("/users?cursor=not-a-cursor");

    await expect(page.getByRole("region", { name: "This page link has expired or is not valid" })).toBeVisible();
    await page.getByRole("link", { name: "Go to the first page of users" }).click();
    await expect(list.emails).toHaveText(newestFirst.slice(0, 20));
  });

  test("names the parameter at fault in a malformed address", async ({ page }) => {
    await page.goto("/users?limit=5000");

    await expect(page.getByRole("region", { name: "This page address is not valid" })).toContainText("limit");
    await expect(page.getByRole("table")).toHaveCount(0);
  });
});

test.describe("users table view in the address", () => {
  test("search, filter and sort round-trip through the URL: reload keeps the view, Back undoes a step", async ({ page }) => {
    const list = usersPage(page);
    await page.goto("/users");
    const search = page.getByRole("searchbox", { name: "Search users by name or email" });

    await search.fill("an");
    // Debounced: the address (and the API call) follow once typing pauses, replacing the entry rather than adding.
    await expect(page).toHaveURL(/\/users\?q=an$/);
    await page.getByRole("button", { name: "Role: Any" }).click();
    await page.getByRole("menuitemcheckbox", { name: "Editor" }).click();
    await page.getByRole("menuitemcheckbox", { name: "Viewer" }).click();
    await page.keyboard.press("Escape");
    await expect(page).toHaveURL(/\/users\?q=an&role=EDITOR&role=VIEWER$/);
    await list.table.getByRole("button", { name: "Name" }).click();
    await expect(page).toHaveURL(/&sort=name$/);
    await list.table.getByRole("button", { name: "Name" }).click();
    await expect(page).toHaveURL(/&sort=-name$/);

    // What the table shows is what the API answers for the same view.
    const expected = await (await page.request.get("/api/v1/users?q=an&role=EDITOR&role=VIEWER&sort=-name")).json();
    const emails: string[] = expected.items.map((user: { email: string }) => user.email);
    expect(emails.length).toBeGreaterThan(1);
    await expect(list.emails).toHaveText(emails);
    await expect(page.getByRole("status").filter({ hasText: `${expected.total.count} users` })).toBeVisible();

    await page.reload();
    await expect(list.emails).toHaveText(emails);
    await expect(search).toHaveValue("an");
    await expect(page.getByRole("button", { name: "Role: Editor, Viewer" })).toBeVisible();
    await expect(list.table.getByRole("columnheader", { name: "Name" })).toHaveAttribute("aria-sort", "descending");

    await page.goBack();
    await expect(page).toHaveURL(/&sort=name$/);
    await expect(list.table.getByRole("columnheader", { name: "Name" })).toHaveAttribute("aria-sort", "ascending");
    const ascending = await (await page.request.get("/api/v1/users?q=an&role=EDITOR&role=VIEWER&sort=name")).json();
    await expect(list.emails).toHaveText(ascending.items.map((user: { email: string }) => user.email));
  });

  test("j and k move through the rows and Enter opens the user", async ({ page }) => {
    const list = usersPage(page);
    await page.goto("/users");
    await expect(list.emails.first()).toHaveText(newestFirst[0] ?? "");
    const names = list.table.locator("a[data-row-link]");

    await page.keyboard.press("j");
    await expect(names.nth(0)).toBeFocused();
    await page.keyboard.press("j");
    await page.keyboard.press("j");
    await expect(names.nth(2)).toBeFocused();
    await page.keyboard.press("k");
    await expect(names.nth(1)).toBeFocused();
    const name = (await names.nth(1).textContent()) ?? "";

    await page.keyboard.press("Enter");
    await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
    await expect(page).toHaveURL(/\/users\/[0-9a-f-]{36}$/);
  });
});
