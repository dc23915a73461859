/**
 * The API reference at /docs: public, rendered from /api/openapi.json by the component bundled into our build,
 * with nothing fetched from another host (no CDN script, no web fonts, no telemetry: the console must work on a
 * closed network) and nothing refused by our Content-Security-Policy (per-request nonce, 'strict-dynamic').
 */
import { expect, test, type Page } from "@playwright/test";

import { ACCOUNTS, storageStateOf } from "./support/accounts";

// The reference's code is about 1 MB compressed, fetched once the page has rendered: allow for a slow machine.
const RENDERED = { timeout: 30_000 };
// A test draws the reference up to twice (each draw is seconds of CPU): 30 s per test was too tight on a loaded
// machine, as for the flags and a11y specs.
test.describe.configure({ timeout: 90_000 });

/** Everything that would have left the origin, every CSP violation, and every console warning or error. */
async function watch(page: Page, origin: string) {
  const offOrigin: string[] = [];
  const messages: string[] = [];
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.protocol !== "data:" && url.protocol !== "blob:" && url.origin !== origin) offOrigin.push(request.url());
  });
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") messages.push(`${message.type()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => messages.push(`uncaught: ${error.message}`));
  // Init scripts are injected through the browser's debugging protocol, outside the page's CSP.
  await page.addInitScript(() => {
    const seen: string[] = [];
    Object.assign(window, { __cspViolations: seen });
    document.addEventListener("securitypolicyviolation", (event) => {
      seen.push(`${event.effectiveDirective} refused ${event.blockedURI || "inline"} (${event.sourceFile}:${event.lineNumber})`);
    });
  });
  const cspViolations = () => page.evaluate(() => ("__cspViolations" in window ? window.__cspViolations : ["no listener"]));
  return { offOrigin, messages, cspViolations };
}

function sidebar(page: Page) {
  return page.getByRole("navigation", { name: /sidebar/i });
}

test.describe("the API reference", () => {
  // One page for both, since each draw of the reference costs seconds of CPU: it is opened in the dark theme, and
  // the checks of what left the origin and of the CSP come last, so they cover its redraw in the light theme too.
  test("shows the API's operations to anyone, offline and within the CSP, in the console's colour theme", async ({ page, baseURL }) => {
    const seen = await watch(page, new URL(baseURL ?? "").origin);

    await page.emulateMedia({ colorScheme: "dark" });
    const response = await page.goto("/docs");
    expect(response?.status()).toBe(200);
    expect(response?.headers()["content-security-policy"]).toMatch(/'nonce-[^']+' 'strict-dynamic'/);

    await expect(page.getByRole("heading", { level: 1, name: "User console API" })).toBeVisible(RENDERED);
    // It follows the console's theme: drawn dark from the start, redrawn light when the theme changes.
    await expect(page.locator("body")).toHaveClass(/\bdark-mode\b/);
    // The operations, by the summaries of lib/http/openapi.ts, grouped under their tags; a tag opens when chosen
    // (drawing every operation up front cost seconds of CPU per page load).
    const tokensTag = sidebar(page).getByRole("button", { name: "API tokens Open Group" });
    await expect(tokensTag).toBeVisible();
    await expect(sidebar(page).getByRole("button", { name: /^Create an API token/ })).toHaveCount(0);
    await tokensTag.click();
    await expect(sidebar(page).getByRole("button", { name: /^Create an API token/ })).toBeVisible();
    await sidebar(page).getByRole("button", { name: "Users Open Group" }).click();
    await sidebar(page).getByRole("button", { name: /^List users/ }).click();
    const listUsers = page.getByRole("heading", { name: "List users", exact: true });
    await expect(listUsers).toBeVisible();
    // Its parameters come from the handler's own query schema (lib/api-contract/list-users-params.ts).
    const operation = page.locator("section", { has: listUsers }).first();
    await expect(operation).toContainText("/api/v1/users");
    await expect(operation).toContainText("includeDeleted");

    await page.emulateMedia({ colorScheme: "light" });
    // Redrawn from scratch in the new theme: as slow as the first draw.
    await expect(page.locator("body")).toHaveClass(/\blight-mode\b/, RENDERED);
    // The operation shown before (the address names it) is still open.
    await expect(sidebar(page).getByRole("button", { name: /^List users/ })).toBeVisible(RENDERED);

    // Late requests (a web font is fetched when text first renders) have had their chance.
    await page.waitForLoadState("networkidle");
    expect(seen.offOrigin, "requests that left the origin").toEqual([]);
    expect(await seen.cspViolations(), "CSP violations").toEqual([]);
    expect(seen.messages.filter((text) => /content.security.policy|refused to/i.test(text)), "console CSP errors").toEqual([]);
    // Scalar checks the document as it loads and says so on the console when it dislikes part of it.
    expect(seen.messages.filter((text) => /validation error/i.test(text)), "the reference's complaints").toEqual([]);
  });

  test.describe("signed in", () => {
    test.use({ storageState: storageStateOf("ADMIN") });

    test("is the same page, showing the document the API serves and no one's data", async ({ page }) => {
      const document = page.waitForResponse((response) => new URL(response.url()).pathname === "/api/openapi.json");
      await page.goto("/docs");
      const served = await document;
      expect(served.status()).toBe(200);
      const body: { paths: Record<string, unknown> } = await served.json();
      expect(Object.keys(body.paths)).toContain("/api/v1/users/{id}");
      expect(JSON.stringify(body)).not.toContain(ACCOUNTS.ADMIN.email);
      await sidebar(page).getByRole("button", { name: "Users Open Group" }).click(RENDERED);
      await expect(sidebar(page).getByRole("button", { name: /^Update a user/ })).toBeVisible();
      await expect(page.getByText(ACCOUNTS.ADMIN.email)).toHaveCount(0);
    });
  });
});
