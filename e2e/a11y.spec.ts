/**
 * Accessibility (issue 7, item 7): every page of the app scanned by axe-core for the WCAG 2.0 and 2.1 A and AA
 * rules, as an ADMIN (who sees every page and every control), the public pages signed out, and the "no access"
 * page as a VIEWER; each in the light theme with every rule, then switched to the dark theme in place and scanned
 * again with the rules whose outcome depends on colour (the rest read the markup, which the theme does not
 * change). A serious or critical violation fails the page's test, naming the theme, the rule, what it asks for and
 * the elements at fault. Moderate and minor findings are not failures (axe's own triage: they do not block anyone
 * from using the page), but are printed so they are not forgotten.
 *
 * The invitation page needs a live invitation: one is created through the API for a new address and the invited
 * user deleted again afterwards, so the users list other specs expect is unchanged.
 */
import AxeBuilder from "@axe-core/playwright";
import { expect, test as base, type Browser, type BrowserContext, type Locator, type Page } from "@playwright/test";

import { serverOf, storageStateOf } from "./support/accounts";

type Theme = "light" | "dark";
type Who = "ADMIN" | "VIEWER" | "signed out";

interface ScannedPage {
  name: string;
  who: Who;
  path: (ids: FixtureIds) => string;
  /** What a person does first to bring the page to the state scanned (a file chosen, ...); by default nothing. */
  prepare?: (page: Page) => Promise<void>;
  /** What shows once the page has its data (a page still loading would be scanned half-drawn). */
  ready: (page: Page) => Locator;
  /** Parts of the page that are not ours to fix, each with the reason. */
  exclude?: readonly string[];
  /** The element whose class names the theme shown (by default the document's, set by next-themes). */
  themeClassOn?: (page: Page) => Locator;
}

interface FixtureIds {
  adminId: string;
  invitationToken: string;
}

const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
/** The rules among TAGS whose outcome depends on the colours drawn, hence on the theme. */
const COLOUR_RULES = ["color-contrast", "link-in-text-block"];
const BLOCKING = new Set(["serious", "critical"]);

const PAGES: readonly ScannedPage[] = [
  { name: "sign-in", who: "signed out", path: () => "/sign-in", ready: (page) => page.getByRole("button", { name: "Sign in" }) },
  {
    name: "invitation",
    who: "signed out",
    path: ({ invitationToken }) => `/invitations/${encodeURIComponent(invitationToken)}`,
    ready: (page) => page.getByLabel("Confirm password"),
  },
  {
    name: "dashboard",
    who: "ADMIN",
    path: () => "/dashboard",
    ready: (page) => page.getByRole("region", { name: "Service health, last hour" }).locator("figcaption").first(),
  },
  { name: "users", who: "ADMIN", path: () => "/users", ready: (page) => page.getByRole("table").getByRole("row").nth(1) },
  {
    name: "user detail",
    who: "ADMIN",
    path: ({ adminId }) => `/users/${adminId}`,
    ready: (page) => page.getByRole("heading", { level: 1, name: "Administrator" }),
  },
  { name: "audit log", who: "ADMIN", path: () => "/audit", ready: (page) => page.getByRole("table").getByRole("row").nth(1) },
  {
    name: "flags",
    who: "ADMIN",
    path: () => "/flags",
    ready: (page) => page.getByRole("table", { name: "Feature flags" }).getByRole("row").nth(1),
  },
  {
    name: "flag detail",
    who: "ADMIN",
    path: () => "/flags/users-table-density",
    ready: (page) => page.getByRole("table", { name: "History of users-table-density" }).getByRole("row").nth(1),
  },
  { name: "imports", who: "ADMIN", path: () => "/imports", ready: (page) => page.getByRole("region", { name: "Past imports" }) },
  {
    // The dry run's table (issue 23), with a row it would import and one it would not; a preview writes nothing.
    name: "imports, a file previewed",
    who: "ADMIN",
    path: () => "/imports",
    prepare: async (page) => {
      // The past imports replace their skeleton once the page runs in the browser: only then does a choice count.
      await expect(page.locator(".rt-Skeleton")).toHaveCount(0);
      await page.getByLabel("Drop a CSV file here or choose one").setInputFiles({
        name: "a11y.csv",
        mimeType: "text/csv",
        buffer: Buffer.from("email,name\na11y-preview@example.com,Ada Access\nnot-an-email,Bad Email\n"),
      });
    },
    ready: (page) => page.getByRole("table", { name: "Preview of the first rows" }),
  },
  { name: "API tokens", who: "ADMIN", path: () => "/tokens", ready: (page) => page.getByRole("heading", { level: 1, name: "API tokens" }) },
  { name: "webhooks", who: "ADMIN", path: () => "/webhooks", ready: (page) => page.getByRole("heading", { level: 1, name: "Webhooks" }) },
  { name: "settings", who: "ADMIN", path: () => "/settings", ready: (page) => page.getByRole("heading", { level: 1, name: "Settings" }) },
  {
    name: "no access",
    who: "VIEWER",
    path: () => "/audit",
    ready: (page) => page.getByRole("heading", { name: /do not have access/i }),
  },
  {
    name: "API reference",
    who: "ADMIN",
    path: () => "/docs",
    ready: (page) => page.getByRole("heading", { level: 1, name: "User console API" }),
    // Scalar's reference is a third-party Vue app whose markup we cannot change (its findings go upstream). What
    // is ours is scanned: the document, the landmark, the loading state's frame.
    exclude: [".scalar-app"],
    // Scalar marks the body light-mode or dark-mode, following the console's theme (components/docs/api-reference.tsx).
    themeClassOn: (page) => page.locator("body"),
  },
];

/**
 * One browser context per person for the whole run (a page per test within it), and the live invitation the
 * invitation page needs. Worker-scoped: created once, not once per test.
 */
const test = base.extend<object, { contextFor: (who: Who) => Promise<BrowserContext>; ids: FixtureIds }>({
  contextFor: [
    async ({ browser }, use, workerInfo) => {
      const contexts = new Map<Who, BrowserContext>();
      await use(async (who) => {
        const existing = contexts.get(who);
        if (existing) return existing;
        const context = await newContext(browser, workerInfo.project.use.baseURL, storageStateFor(who, serverOf(workerInfo)));
        contexts.set(who, context);
        return context;
      });
      for (const context of contexts.values()) await context.close();
    },
    { scope: "worker" },
  ],
  ids: [
    async ({ playwright }, use, workerInfo) => {
      const baseURL = workerInfo.project.use.baseURL ?? "";
      const admin = await playwright.request.newContext({
        baseURL,
        storageState: storageStateOf("ADMIN", serverOf(workerInfo)),
        extraHTTPHeaders: { origin: new URL(baseURL).origin, "x-requested-with": "e2e" },
      });
      const [me] = (await (await admin.get("/api/v1/users?q=admin%40example.com&role=ADMIN")).json()).items;
      const invited = await admin.post("/api/v1/invitations", {
        data: { email: `a11y-${Date.now()}@example.com`, name: "Ada Access", role: "VIEWER" },
      });
      expect(invited.status()).toBe(201);
      const { user, invitationUrl } = await invited.json();
      const invitationToken = decodeURIComponent(String(invitationUrl).split("/").at(-1) ?? "");
      await use({ adminId: String(me.id), invitationToken });
      // Gone again, so the users list the other specs expect is the one they know.
      expect((await admin.delete(`/api/v1/users/${user.id}`, { headers: { "if-match": "*" } })).status()).toBe(204);
      await admin.dispose();
    },
    { scope: "worker" },
  ],
});

function storageStateFor(who: Who, server: ReturnType<typeof serverOf>) {
  return who === "signed out" ? { cookies: [], origins: [] } : storageStateOf(who, server);
}

async function newContext(browser: Browser, baseURL: string | undefined, storageState: ReturnType<typeof storageStateFor>) {
  return browser.newContext({
    ...(baseURL !== undefined && { baseURL }),
    // next-themes follows the system preference by default: the emulated one picks the theme.
    colorScheme: "light",
    reducedMotion: "reduce",
    viewport: { width: 1280, height: 800 },
    storageState,
  });
}

// A page waits for its data (the API reference for its 1 MB of code) before two scans: 30 s is tight on CI.
test.describe.configure({ timeout: 90_000 });

for (const scanned of PAGES) {
  test(`${scanned.name} (${scanned.who}) has no serious or critical WCAG 2.1 AA violation, light or dark`, async ({ contextFor, ids }) => {
    const page = await (await contextFor(scanned.who)).newPage();
    try {
      await page.goto(scanned.path(ids));
      await scanned.prepare?.(page);
      await expect(scanned.ready(page)).toBeVisible({ timeout: 30_000 });
      // Scanned drawn, not loading: skeletons replaced by data.
      await expect(page.locator(".rt-Skeleton")).toHaveCount(0);
      const blocking = await scan(page, "light", scanned, (builder) => builder.withTags(TAGS));
      await page.emulateMedia({ colorScheme: "dark" });
      blocking.push(...(await scan(page, "dark", scanned, (builder) => builder.withRules(COLOUR_RULES))));
      expect(blocking, `serious or critical axe violations on ${scanned.name}`).toEqual([]);
    } finally {
      await page.close();
    }
  });
}

/**
 * One axe pass over the page in `theme` (once the page shows it, and its colour transitions have ended): the
 * blocking violations, described; the others printed.
 */
async function scan(page: Page, theme: Theme, scanned: ScannedPage, rules: (builder: AxeBuilder) => AxeBuilder): Promise<string[]> {
  await expect(scanned.themeClassOn?.(page) ?? page.locator("html")).toHaveClass(new RegExp(`\\b${theme}\\b`));
  // Finite ones only: a spinner's runs forever.
  await page.evaluate(() =>
    Promise.all(
      document
        .getAnimations()
        .filter((animation) => animation.effect?.getComputedTiming().endTime !== Infinity)
        .map((animation) => animation.finished),
    ).then(() => undefined),
  );
  let builder = rules(new AxeBuilder({ page }));
  for (const selector of scanned.exclude ?? []) builder = builder.exclude(selector);
  const { violations } = await builder.analyze();
  const others = violations.filter((violation) => !BLOCKING.has(violation.impact ?? ""));
  if (others.length > 0) console.log(`axe, ${scanned.name} (${theme}), not blocking:\n${others.map(describe).join("\n")}`);
  return violations.filter((violation) => BLOCKING.has(violation.impact ?? "")).map((violation) => `${theme}: ${describe(violation)}`);
}

/** A violation as a reader can act on it: rule, impact, what it asks, where, and each element at fault. */
function describe(violation: {
  id: string;
  impact?: string | null;
  help: string;
  helpUrl: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}): string {
  const nodes = violation.nodes.map((node) => {
    const target = node.target.map((part) => (Array.isArray(part) ? part.join(" >>> ") : String(part))).join(" ");
    const why = node.failureSummary?.split("\n").slice(1, 2).join("").trim();
    return `    ${target}${why ? `  (${why})` : ""}`;
  });
  return `${violation.id} [${violation.impact ?? "?"}] ${violation.help} (${violation.helpUrl})\n${nodes.join("\n")}`;
}
