import { describe, expect, it } from "vitest";

import { safeNextPath } from "./safe-next";

const SITE = new URL("https://console.example.com/sign-in");

/** Where a browser goes for a redirect to `location`, resolved as it resolves it (WHATWG URL). */
const destination = (location: string) => new URL(location, SITE);

describe("?next= after sign-in stays on this site (issue 18, missing tests)", () => {
  it.each([
    ["//evil.example/phish"],
    ["/\\evil.example/phish"],
    ["/\\/evil.example"],
    ["/\t/evil.example"],
    ["/\n/evil.example"],
    ["https://evil.example/"],
    ["javascript:alert(1)"],
  ])("refuses %j, which a browser would take off-site", (next) => {
    // The attack is real: followed as given, the browser would leave the site (or run script).
    expect(destination(next).origin).not.toBe(SITE.origin);
    // Refused, so the page falls back to its default, on this site.
    expect(safeNextPath(next)).toBeNull();
    expect(destination(safeNextPath(next) ?? "/users").origin).toBe(SITE.origin);
  });

  it.each([["/users"], ["/users/0193a3b2?tab=flags"], ["/settings#sessions"], ["/%2F%2Fevil.example"]])(
    "keeps %j, a path on this site",
    (next) => {
      expect(safeNextPath(next)).toBe(next);
      expect(destination(next).origin).toBe(SITE.origin);
    },
  );
});
