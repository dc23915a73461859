/**
 * First-load JS budgets (issue 23): each page of the production build loads at most its budget of JavaScript
 * before it runs, gzip-compressed, counted as `npm run sizes` counts it (scripts/support/route-sizes.mjs, which
 * also holds the budgets). A change that makes a page heavier fails here, naming the page and its size.
 */
import { beforeAll, describe, expect, test } from "vitest";

import { BUDGETS, budgetOf, routeSizes } from "../../scripts/support/route-sizes.mjs";
import { ensureBuild, ROOT } from "../support/built-server";

let sizes: ReturnType<typeof routeSizes>;

beforeAll(async () => {
  await ensureBuild();
  sizes = routeSizes(ROOT);
}, 600_000);

describe("first-load JS of the production build", () => {
  test("every page loads no more JS than its budget", () => {
    const over = sizes.routes
      .filter((row) => row.gzipBytes > budgetOf(row.route).budget)
      .map((row) => `${row.route}: ${row.gzipBytes} bytes gzip, budget ${budgetOf(row.route).budget}`);
    expect(over).toEqual([]);
  });

  test("every page named in the budgets is in the build, so a renamed page cannot escape its budget", () => {
    const built = new Set(sizes.routes.map((row) => row.route));
    const missing = Object.keys(BUDGETS).filter((route) => route !== "*" && !built.has(route));
    expect(missing).toEqual([]);
  });

  test("the pages counted include the console's, each with chunks of its own beyond the shared ones", () => {
    const users = sizes.routes.find((row) => row.route === "/users");
    expect(users?.gzipBytes).toBeGreaterThan(sizes.sharedGzipBytes);
  });
});
