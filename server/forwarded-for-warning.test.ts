import { describe, expect, it } from "vitest";

import { createForwardedForWarning } from "./forwarded-for-warning";

const request = (headers: Record<string, string>) => ({ headers, socket: { remoteAddress: "10.0.0.9" } });

describe("X-Forwarded-For while TRUST_PROXY is off (issue 18)", () => {
  it("warns once per process, at the first request that carries it, and never for one that does not", () => {
    const warnings: string[] = [];
    const warn = createForwardedForWarning({ trustProxy: false, log: { warn: (_fields: object, message: string) => warnings.push(message) } });
    warn(request({}));
    expect(warnings).toEqual([]);
    for (let i = 0; i < 100; i++) warn(request({ "x-forwarded-for": `203.0.113.${i}` }));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/TRUST_PROXY=true/);
  });

  it("says nothing when TRUST_PROXY is on: the header is then how the address is known", () => {
    const warnings: string[] = [];
    const warn = createForwardedForWarning({ trustProxy: true, log: { warn: (_fields: object, message: string) => warnings.push(message) } });
    warn(request({ "x-forwarded-for": "203.0.113.1" }));
    expect(warnings).toEqual([]);
  });
});
