/**
 * The user's page (issue 7): the overview each role may see, the edit form's 412 conflict (someone else saved the
 * user meanwhile: see the difference, then Overwrite or Reload), and an error's trace id with its copy button.
 * In the `later` project: these specs add users, which e2e/users.spec.ts must not see.
 */
import { expect, test, type Page } from "@playwright/test";

import { ACCOUNTS, storageStateOf } from "./support/accounts";
import { usersApi } from "./support/users-api";

function section(page: Page, name: string) {
  return page.getByRole("region", { name });
}

/** Body rows only: the header row holds column headers, not cells. */
function bodyRows(page: Page, region: string) {
  return section(page, region).getByRole("row").filter({ has: page.getByRole("cell") });
}

test.describe("as an ADMIN", () => {
  test.use({ storageState: storageStateOf("ADMIN") });

  test("shows the user's recent audit entries and live sessions", async ({ page, baseURL }) => {
    const viewer = await usersApi(page.request, baseURL).findByEmail(ACCOUNTS.VIEWER.email);
    await page.goto(`/users/${viewer.id}`);

    await expect(page.getByRole("heading", { level: 1, name: ACCOUNTS.VIEWER.name })).toBeVisible();
    await expect(page.getByRole("definition").filter({ hasText: ACCOUNTS.VIEWER.email })).toBeVisible();
    // The setup invited the viewer, who accepted and signed in through the sign-in page (e2e/auth.setup.ts).
    const activity = section(page, "Recent activity");
    await expect(activity.getByRole("cell", { name: "invitation.created" })).toBeVisible();
    await expect(activity.getByRole("cell", { name: "invitation.accepted" })).toBeVisible();
    await expect(activity.getByRole("cell", { name: "session.signed_in" }).first()).toBeVisible();
    // That sign-in's session is live: a Chromium, from this machine.
    await expect(bodyRows(page, "Sessions").first()).toContainText("Chrome");
    await expect(bodyRows(page, "Sessions").first()).toContainText("127.0.0.1");
    await expect(section(page, "Feature flags").getByRole("row").nth(1)).toBeVisible();
    await expect(page.getByRole("button", { name: "Edit user" })).toBeVisible();
  });

  test("a conflicting change shows the difference, and Overwrite saves mine over theirs", async ({ page, baseURL }) => {
    const users = usersApi(page.request, baseURL);
    const carol = await users.create({ email: "carol.conflict@example.com", name: "Carol Start" });
    await page.goto(`/users/${carol.id}`);
    await page.getByRole("button", { name: "Edit user" }).click();
    await page.getByLabel("Name").fill("Carol Mine");

    await users.patch(carol.id, { name: "Carol Theirs", status: "DISABLED" });
    await page.getByRole("button", { name: "Save" }).click();

    const conflict = section(page, "Someone changed this user while you were editing");
    await expect(conflict.getByRole("row", { name: /^Name/ }).getByRole("cell")).toHaveText([
      "Carol Start",
      "Carol Theirs",
      "Carol Mine",
    ]);
    await expect(conflict.getByRole("row", { name: /^Status/ }).getByRole("cell")).toHaveText(["Active", "Disabled", "Active"]);
    await conflict.getByRole("button", { name: "Overwrite" }).click();

    await expect(page.getByRole("heading", { level: 1, name: "Carol Mine" })).toBeVisible();
    // Only the field I changed was sent: their status stays.
    await expect(page.getByRole("definition").filter({ hasText: "Disabled" })).toBeVisible();
    expect(await users.get(carol.id)).toMatchObject({ name: "Carol Mine", status: "DISABLED" });
  });

  test("a conflicting change can be dropped: Reload shows their values in the form", async ({ page, baseURL }) => {
    const users = usersApi(page.request, baseURL);
    const rita = await users.create({ email: "rita.reload@example.com", name: "Rita Start" });
    await page.goto(`/users/${rita.id}`);
    await page.getByRole("button", { name: "Edit user" }).click();
    await page.getByLabel("Name").fill("Rita Mine");

    await users.patch(rita.id, { name: "Rita Theirs" });
    await page.getByRole("button", { name: "Save" }).click();
    const conflict = section(page, "Someone changed this user while you were editing");
    await expect(conflict.getByRole("row", { name: /^Name/ }).getByRole("cell")).toHaveText(["Rita Start", "Rita Theirs", "Rita Mine"]);
    await conflict.getByRole("button", { name: "Reload" }).click();

    await expect(conflict).toHaveCount(0);
    await expect(page.getByLabel("Name")).toHaveValue("Rita Theirs");
    await expect(page.getByRole("heading", { level: 1, name: "Rita Theirs" })).toBeVisible();
    // The form now starts from their version: a save goes through without another conflict.
    await page.getByLabel("Name").fill("Rita After Reload");
    await page.getByRole("button", { name: "Save" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Rita After Reload" })).toBeVisible();
  });

  test("a failed save shows the problem and its trace id, which the copy button copies", async ({ page, baseURL, context }) => {
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    const users = usersApi(page.request, baseURL);
    const gone = await users.create({ email: "gone.meanwhile@example.com", name: "Gone Meanwhile" });
    await page.goto(`/users/${gone.id}`);
    await page.getByRole("button", { name: "Edit user" }).click();
    await page.getByLabel("Name").fill("Too Late");

    await users.remove(gone.id);
    await page.getByRole("button", { name: "Save" }).click();

    const alert = page.getByRole("alert").filter({ hasText: "The changes could not be saved" });
    await expect(alert).toContainText(`User ${gone.id} does not exist`);
    const traceId = alert.getByText(/^[0-9a-f]{32}$/);
    await expect(traceId).toBeVisible();
    await alert.getByRole("button", { name: "Copy trace id" }).click();
    await expect(page.getByText("Trace id copied")).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(await traceId.textContent());
  });
});

test.describe("as a VIEWER", () => {
  test.use({ storageState: storageStateOf("VIEWER") });

  test("shows the profile and flags, and says politely which parts the role does not see", async ({ page, baseURL }) => {
    const admin = await usersApi(page.request, baseURL).findByEmail(ACCOUNTS.ADMIN.email);
    await page.goto(`/users/${admin.id}`);

    await expect(page.getByRole("heading", { level: 1, name: ACCOUNTS.ADMIN.name })).toBeVisible();
    await expect(section(page, "Recent activity")).toContainText("shown to roles with audit:read; yours does not have it");
    await expect(section(page, "Sessions")).toContainText("shown to roles with sessions:read; yours does not have it");
    await expect(section(page, "Recent activity").getByRole("table")).toHaveCount(0);
    // Left out is not failed: no error on the page (Next's route announcer, outside main, is an alert region too).
    await expect(page.getByRole("main").getByRole("alert")).toHaveCount(0);
    await expect(section(page, "Feature flags").getByRole("table")).toBeVisible();
    await expect(page.getByRole("button", { name: "Edit user" })).toHaveCount(0);
  });
});
