import { describe, expect, it } from "vitest";

import { addressLiteralOf, createAddressPolicy, parseAllowedCidrs } from "./address-policy";

describe("the webhook address policy (SSRF)", () => {
  const strict = createAddressPolicy("");

  it.each([
    ["93.184.215.14", null],
    ["2606:4700:4700::1111", null],
    ["127.0.0.1", /loopback/],
    ["127.45.1.2", /loopback/],
    ["::1", /loopback/],
    ["10.1.2.3", /private/],
    ["172.16.0.1", /private/],
    ["172.31.255.255", /private/],
    ["192.168.1.1", /private/],
    ["100.64.0.1", /carrierGradeNat/],
    ["169.254.169.254", /linkLocal/],
    ["fe80::1", /linkLocal/],
    ["fc00::1", /uniqueLocal/],
    ["fd12:3456::1", /uniqueLocal/],
    ["0.0.0.0", /unspecified/],
    ["0.1.2.3", /unspecified/],
    ["::", /unspecified/],
    ["224.0.0.1", /multicast/],
    ["ff02::1", /multicast/],
    ["255.255.255.255", /broadcast/],
    // IPv4-mapped IPv6 is judged as the IPv4 address it carries; other IPv6 forms of IPv4 are refused outright.
    ["::ffff:127.0.0.1", /loopback/],
    ["::ffff:10.0.0.1", /private/],
    ["::ffff:169.254.169.254", /linkLocal/],
    ["64:ff9b::7f00:1", /rfc6052/],
    ["2002:7f00:1::", /6to4/],
    ["192.0.2.1", /reserved/],
    ["not-an-address", /not an IP address/],
  ])("%s", (address, refusal) => {
    const found = strict.refusal(address);
    if (refusal === null) expect(found).toBeNull();
    else expect(found).toMatch(refusal);
  });

  it("allows what WEBHOOK_ALLOW_PRIVATE_CIDRS names, and nothing beside it", () => {
    const policy = createAddressPolicy(" 127.0.0.0/8 , fd00:1::/32");
    expect(policy.refusal("127.0.0.1")).toBeNull();
    expect(policy.refusal("::ffff:127.0.0.1")).toBeNull();
    expect(policy.refusal("fd00:1::5")).toBeNull();
    expect(policy.refusal("::1")).toMatch(/loopback/);
    expect(policy.refusal("10.0.0.1")).toMatch(/private/);
    expect(policy.refusal("fd00:2::5")).toMatch(/uniqueLocal/);
  });

  it("refuses an allow-list entry that is not a CIDR", () => {
    expect(() => parseAllowedCidrs("10.0.0.0/8,localhost")).toThrow(/"localhost" is not a CIDR/);
    expect(() => parseAllowedCidrs("10.0.0.1")).toThrow(/not a CIDR/);
    expect(parseAllowedCidrs("")).toEqual([]);
  });

  it("finds the address literal in a URL (the URL parser's canonical form), and none in a name", () => {
    expect(addressLiteralOf(new URL("http://127.0.0.1:8080/x"))).toBe("127.0.0.1");
    expect(addressLiteralOf(new URL("http://[::1]/x"))).toBe("::1");
    // WHATWG URL turns these spellings of 127.0.0.1 into dotted form before anyone looks.
    expect(addressLiteralOf(new URL("http://2130706433/x"))).toBe("127.0.0.1");
    expect(addressLiteralOf(new URL("http://0x7f.1/x"))).toBe("127.0.0.1");
    expect(addressLiteralOf(new URL("https://hooks.example.com/x"))).toBeNull();
  });
});
