import ipaddr from "ipaddr.js";

/**
 * Where webhooks may be sent (SSRF, issue 20 item 3; docs/decisions/017-webhooks.md): only to global unicast
 * addresses, unless the deployment names a range in WEBHOOK_ALLOW_PRIVATE_CIDRS. Everything else is refused:
 * loopback, link-local (cloud metadata at 169.254.169.254), private (RFC 1918, ULA fc00::/7), CGNAT 100.64/10,
 * 0.0.0.0/8 and ::, multicast and broadcast, documentation and benchmarking ranges, and IPv6 forms that carry an
 * IPv4 address (IPv4-mapped ::ffff:a.b.c.d is judged as that IPv4 address; NAT64, 6to4, Teredo are refused).
 *
 * The classification is ipaddr.js's (`range()`), a maintained table, not ours: an address is allowed when its range
 * is `unicast`. The check runs on every address a name resolves to when a connection is made (the sender's lookup),
 * so a name that resolves elsewhere later (DNS rebinding) is judged by what it resolves to then.
 */
export interface AddressPolicy {
  /** Why a connection to `address` (an IP address, v4 or v6) is refused, or null when it is allowed. */
  refusal(address: string): string | null;
}

/**
 * Parses WEBHOOK_ALLOW_PRIVATE_CIDRS: CIDRs separated by commas (`127.0.0.0/8, ::1/128`); empty allows nothing more.
 * @throws Error naming the first entry that is not a CIDR.
 */
export function parseAllowedCidrs(text: string): [ipaddr.IPv4 | ipaddr.IPv6, number][] {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .map((part) => {
      if (!ipaddr.isValidCIDR(part)) throw new Error(`"${part}" is not a CIDR such as 10.0.0.0/8 or fd00::/8`);
      return ipaddr.parseCIDR(part);
    });
}

export function createAddressPolicy(allowedCidrs: string): AddressPolicy {
  const allowed = parseAllowedCidrs(allowedCidrs);
  return {
    refusal(address) {
      if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
      // An IPv4-mapped IPv6 address is its IPv4 address: ::ffff:10.0.0.1 is as private as 10.0.0.1.
      const parsed = ipaddr.process(address);
      if (allowed.some(([range, bits]) => range.kind() === parsed.kind() && parsed.match(range, bits))) return null;
      const range = parsed.range();
      if (range === "unicast") return null;
      return `${address} is a ${range} address, refused for webhooks (WEBHOOK_ALLOW_PRIVATE_CIDRS can allow a range)`;
    },
  };
}

/** The address in a URL's host when it is an IP literal (brackets of IPv6 taken off), else null: a name. */
export function addressLiteralOf(url: URL): string | null {
  const host = url.hostname.startsWith("[") && url.hostname.endsWith("]") ? url.hostname.slice(1, -1) : url.hostname;
  return ipaddr.isValid(host) ? host : null;
}
