/**
 * `npm run screenshots` (playwright.screenshots.config.ts): each console page and the sign-in page, light and
 * dark, into docs/screenshots/<page>-<theme>.png for the README. Run twice, the files are byte-identical: the
 * data is the seeded demo set plus the setup project's accounts, the browser's clock is fixed, motion is off, and
 * what the server stamps with its own time or chance is masked (each mask below says why).
 */
import path from "node:path";

import { expect, test, type Locator, type Page } from "@playwright/test";

import { demoUsers } from "../../lib/use-cases/seed-demo-users";
import { storageStateOf } from "../support/accounts";

const OUT = path.join(import.meta.dirname, "..", "..", "docs", "screenshots");

/**
 * The browser's "now" (relative dates, the charts' axes drawn in the page): a fixed instant after the demo data.
 * The server's own clock cannot be fixed from here: what it stamps is masked instead.
 */
const BROWSER_NOW = new Date("2026-11-02T09:00:00.000Z");

/** Everything the seed wrote is dated up to this; anything later was stamped by the server during this run. */
const NEWEST_DEMO = Math.max(...demoUsers().map((user) => user.createdAt?.getTime() ?? 0));

/** The newest demo user: fixed name, fixed creation date, no sessions; a stable subject for the user page. */
const DEMO_USER_EMAIL = demoUsers().reduce((newest, user) =>
  (user.createdAt?.getTime() ?? 0) > (newest.createdAt?.getTime() ?? 0) ? user : newest,
).email;

interface Shot {
  name: string;
  signedIn: boolean;
  path: (page: Page) => Promise<string>;
  /** Shown once the page has its data. */
  ready: (page: Page) => Locator;
  /** What to do on the page before the picture, once it is ready. */
  prepare?: (page: Page) => Promise<void>;
  /** Masks this page needs beyond the server's timestamps, each with its reason. */
  masks?: (page: Page) => Locator[];
}

const SHOTS: readonly Shot[] = [
  { name: "sign-in", signedIn: false, path: async () => "/sign-in", ready: (page) => page.getByRole("button", { name: "Sign in" }) },
  {
    name: "dashboard",
    signedIn: true,
    path: async () => "/dashboard",
    ready: (page) => page.getByRole("region", { name: "Service health, last hour" }).locator("figcaption").first(),
    // Live traffic: the requests this run happened to make, per minute of the wall clock.
    masks: (page) => [page.getByRole("region", { name: "Service health, last hour" }).getByRole("figure")],
  },
  { name: "users", signedIn: true, path: async () => "/users", ready: (page) => page.getByRole("table").getByRole("row").nth(1) },
  {
    name: "user-detail",
    signedIn: true,
    path: async (page) => {
      const found = await (await page.request.get(`/api/v1/users?q=${encodeURIComponent(DEMO_USER_EMAIL)}`)).json();
      return `/users/${found.items[0].id}`;
    },
    ready: (page) => page.getByRole("table", { name: "Feature flags" }).getByRole("row").nth(1),
    // Ids are random UUIDs chosen when the seed ran: the user's, and the audit entries' targets.
    masks: (page) => [
      page.getByRole("definition").filter({ hasText: /^[0-9a-f]{8}-[0-9a-f]{4}-/ }),
      page.getByRole("region", { name: "Recent activity" }).locator("tbody td:nth-child(4)"),
    ],
  },
  {
    name: "audit",
    signedIn: true,
    path: async () => "/audit",
    ready: (page) => page.getByRole("table").getByRole("row").nth(1),
    // The seed's entries: the setup's (invitations, sign-ins) name ids and expiry times that differ every run.
    prepare: async (page) => {
      await page.getByRole("textbox", { name: "Action" }).fill("user.created");
      await page.getByRole("button", { name: "Filter" }).click();
      await expect(page.getByRole("table").getByRole("row").nth(1)).toContainText("user.created");
      await expect(page.getByRole("table").getByRole("row").filter({ hasNotText: "user.created" })).toHaveCount(1);
    },
    // Target ids and request ids are random per run.
    masks: (page) => [page.getByRole("table").locator("tbody td:nth-child(4), tbody td:nth-child(6)")],
  },
  {
    name: "flags",
    signedIn: true,
    path: async () => "/flags",
    ready: (page) => page.getByRole("table", { name: "Feature flags" }).getByRole("row").nth(1),
  },
  {
    name: "flag-detail",
    signedIn: true,
    path: async () => "/flags/users-table-density",
    ready: (page) => page.getByRole("table", { name: "History of users-table-density" }).getByRole("row").nth(1),
  },
  { name: "imports", signedIn: true, path: async () => "/imports", ready: (page) => page.getByRole("region", { name: "Past imports" }) },
  { name: "tokens", signedIn: true, path: async () => "/tokens", ready: (page) => page.getByRole("heading", { level: 1, name: "API tokens" }) },
  { name: "settings", signedIn: true, path: async () => "/settings", ready: (page) => page.getByRole("heading", { level: 1, name: "Settings" }) },
  {
    name: "docs",
    signedIn: true,
    path: async () => "/docs",
    ready: (page) => page.getByRole("heading", { level: 1, name: "User console API" }),
  },
];

for (const theme of ["light", "dark"] as const) {
  test.describe(`${theme} theme`, () => {
    test.use({ colorScheme: theme });

    for (const shot of SHOTS) {
      test(`${shot.name}-${theme}.png`, async ({ browser, baseURL }) => {
        const context = await browser.newContext({
          ...(baseURL !== undefined && { baseURL }),
          colorScheme: theme,
          reducedMotion: "reduce",
          viewport: { width: 1280, height: 800 },
          locale: "en-US",
          timezoneId: "UTC",
          storageState: shot.signedIn ? storageStateOf("ADMIN", "screenshots") : { cookies: [], origins: [] },
        });
        const page = await context.newPage();
        try {
          await page.clock.setFixedTime(BROWSER_NOW);
          await page.goto(await shot.path(page));
          await expect(shot.ready(page)).toBeVisible({ timeout: 30_000 });
          await expect(page.locator(".rt-Skeleton")).toHaveCount(0);
          await shot.prepare?.(page);
          // Hydrated and settled: the first paint comes from the server, and the page may still fetch or redraw.
          await page.waitForLoadState("networkidle");
          // Every web font in, so text is drawn the same way each run.
          await page.evaluate(() => document.fonts.ready.then(() => undefined));

          await page.screenshot({
            path: path.join(OUT, `${shot.name}-${theme}.png`),
            animations: "disabled",
            caret: "hide",
            // A neutral block where the run's own values were, rather than Playwright's magenta.
            maskColor: theme === "light" ? "#e8e8ec" : "#2b2d31",
            mask: [...(await serverStamped(page)), ...(shot.masks?.(page) ?? [])],
          });
        } finally {
          await context.close();
        }
      });
    }
  });
}

/**
 * Dates the server stamped during this run (the setup's accounts and sessions, audit entries, flags' creation):
 * they change with the day and the minute of the run. Demo data is dated before NEWEST_DEMO and stays visible.
 */
async function serverStamped(page: Page): Promise<Locator[]> {
  const stamps = await page.locator("time[datetime]").evaluateAll((elements) => elements.map((element) => element.getAttribute("datetime") ?? ""));
  return [...new Set(stamps)]
    .filter((stamp) => Date.parse(stamp) > NEWEST_DEMO)
    .map((stamp) => page.locator(`time[datetime="${stamp}"]`));
}
