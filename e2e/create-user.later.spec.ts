/**
 * Creating a user from the users page (issue 7): checked in the browser with the API's own schema, a taken email
 * said under the email field, and the new user in the list at once. In the `later` project: it adds users, which
 * e2e/users.spec.ts must not see.
 */
import { expect, test } from "@playwright/test";

import { ACCOUNTS, storageStateOf } from "./support/accounts";

test.describe("as an ADMIN", () => {
  test.use({ storageState: storageStateOf("ADMIN") });

  test("a taken email is said under the email field; a new one is created and listed", async ({ page }) => {
    await page.goto("/users");
    await page.getByRole("button", { name: "Create user" }).click();
    const dialog = page.getByRole("dialog", { name: "Create user" });
    const email = dialog.getByLabel("Email");

    // Checked before sending, with the API's own schema.
    await email.fill("not an email");
    await dialog.getByRole("button", { name: "Create" }).click();
    await expect(email).toHaveAccessibleDescription("Enter an email address");
    await expect(dialog.getByLabel("Name")).toHaveAccessibleDescription("Enter a name");

    // Someone has it already: the server's USER_EMAIL_TAKEN, under the field.
    await email.fill(ACCOUNTS.EDITOR.email);
    await dialog.getByLabel("Name").fill("Edith Again");
    await dialog.getByRole("button", { name: "Create" }).click();
    await expect(email).toHaveAccessibleDescription(`A user with email ${ACCOUNTS.EDITOR.email} already exists`);
    await expect(email).toHaveAttribute("aria-invalid", "true");

    await email.fill("new.editor@example.com");
    await dialog.getByRole("combobox", { name: "Role" }).selectOption({ label: "Editor" });
    await dialog.getByRole("button", { name: "Create" }).click();

    await expect(page.getByText("new.editor@example.com was created")).toBeVisible();
    await expect(dialog).toHaveCount(0);
    // Newest first: the list shows the new user at the top, with the role chosen.
    const firstRow = page.getByRole("table").getByRole("row").nth(1);
    await expect(firstRow).toContainText("new.editor@example.com");
    await expect(firstRow).toContainText("Edith Again");
    await expect(firstRow).toContainText(/editor/i);
  });
});

test.describe("as an EDITOR", () => {
  test.use({ storageState: storageStateOf("EDITOR") });

  test("creates viewers only: no role to choose", async ({ page }) => {
    await page.goto("/users");
    await page.getByRole("button", { name: "Create user" }).click();
    const dialog = page.getByRole("dialog", { name: "Create user" });
    await expect(dialog.getByRole("combobox", { name: "Role" })).toHaveCount(0);
    await expect(dialog).toContainText("They will be a viewer");
    await dialog.getByLabel("Email").fill("made.by.editor@example.com");
    await dialog.getByLabel("Name").fill("Made By Editor");
    await dialog.getByRole("button", { name: "Create" }).click();

    await expect(page.getByText("made.by.editor@example.com was created")).toBeVisible();
    const firstRow = page.getByRole("table").getByRole("row").nth(1);
    await expect(firstRow).toContainText("made.by.editor@example.com");
    await expect(firstRow).toContainText(/viewer/i);
  });
});

test.describe("as a VIEWER", () => {
  test.use({ storageState: storageStateOf("VIEWER") });

  test("cannot create users: no button", async ({ page }) => {
    await page.goto("/users");
    await expect(page.getByRole("heading", { level: 1, name: "Users" })).toBeVisible();
    await expect(page.getByRole("button", { name: "Create user" })).toHaveCount(0);
  });
});
