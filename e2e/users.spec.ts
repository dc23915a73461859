import { expect, test } from "@playwright/test";

test.describe("users list", () => {
  test("shows the seeded users, newest first, and pages forward and back by cursor", async ({ page }) => {
    await page.goto("/users");

    await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
    const table = page.getByRole("table");
    await expect(table.getByRole("columnheader")).toHaveText(["Name", "Email", "Role", "Status", "Created"]);
    const rows = table.getByRole("row").filter({ has: page.getByRole("cell") });
    await expect(rows).toHaveCount(20);
    // The demo seed is deterministic (fixed seed and anchor date): its newest user heads the first page.
    await expect(rows.first()).toContainText("eliza.hills48@example.com");
    const firstPage = await rows.allTextContents();

    const pagination = page.getByRole("navigation", { name: "Pagination" });
    await expect(pagination.getByRole("link", { name: /Previous/ })).toHaveCount(0);
    await pagination.getByRole("link", { name: /Next/ }).click();

    await expect(page).toHaveURL(/\/users\?cursor=/);
    await expect(rows).toHaveCount(20);
    await expect(rows.first()).not.toHaveText(firstPage[0] ?? "");
    const secondPage = await rows.allTextContents();
    expect(secondPage.filter((row) => firstPage.includes(row))).toEqual([]);

    await pagination.getByRole("link", { name: /Previous/ }).click();
    await expect(rows.first()).toHaveText(firstPage[0] ?? "");
    expect(await rows.allTextContents()).toEqual(firstPage);
  });

  test("explains a broken page link instead of failing", async ({ page }) => {
    await page.goto("/users?cursor=not-a-cursor");

    await expect(page.getByRole("heading", { name: "This page link has expired or is not valid" })).toBeVisible();
    await page.getByRole("link", { name: "Go to the first page of users" }).click();
    await expect(page.getByRole("table").getByRole("row")).toHaveCount(21);
  });
});
