/**
 * The live console (issue 21): two people in two browsers. What one changes shows up on the other's screen without
 * a reload, and with the page's own refetch on focus switched off for the test, only the event stream can have
 * brought it (the users table does not poll). In the `later` project: it adds a user, which e2e/users.spec.ts must
 * not see.
 */
import { expect, test, type Browser, type Page } from "@playwright/test";

import { storageStateOf } from "./support/accounts";
import { usersApi } from "./support/users-api";

/** A page whose React Query never hears of focus or visibility changes: no refetch on focus. */
async function watcher(browser: Browser, role: "ADMIN" | "VIEWER"): Promise<Page> {
  const context = await browser.newContext({ storageState: storageStateOf(role) });
  await context.addInitScript(() => {
    for (const type of ["visibilitychange", "focus", "online"]) {
      window.addEventListener(type, (event) => event.stopImmediatePropagation(), true);
    }
  });
  return context.newPage();
}

test("a user created and renamed by one admin appears in another's table and page without a reload", async ({ browser, baseURL }) => {
  const viewer = await watcher(browser, "VIEWER");
  await viewer.goto("/users");
  const table = viewer.getByRole("table");
  await expect(table.getByRole("row").nth(1)).toBeVisible();

  const admin = await browser.newContext({ storageState: storageStateOf("ADMIN") });
  const users = usersApi(admin.request, baseURL);
  const email = `live-${Date.now()}@example.com`;
  const created = await users.create({ email, name: "Live Wire" });

  // Newest first: the new user at the top of the viewer's table.
  await expect(table.getByRole("row").nth(1)).toContainText(email);

  // On the user's own page, a rename made elsewhere.
  await viewer.goto(`/users/${created.id}`);
  await expect(viewer.getByRole("heading", { level: 1, name: "Live Wire" })).toBeVisible();
  // A mark in this document: a reload would start a new one without it.
  await viewer.evaluate(() => Object.assign(window, { liveMark: true }));
  await users.patch(created.id, { name: "Live Wire Renamed" });
  await expect(viewer.getByRole("heading", { level: 1, name: "Live Wire Renamed" })).toBeVisible();
  expect(await viewer.evaluate(() => "liveMark" in window)).toBe(true); // no reload brought it

  await admin.close();
  await viewer.context().close();
});
