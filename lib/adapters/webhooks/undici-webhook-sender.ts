import { promises as dns, type LookupAddress } from "node:dns";
import type { LookupFunction } from "node:net";

import { Webhook } from "standardwebhooks";
import { Agent, request } from "undici";

import { parseUrl } from "../../domain/url";
import type { WebhookRequest, WebhookSendResult, WebhookSender } from "../../ports/webhooks";
import { addressLiteralOf, type AddressPolicy } from "./address-policy";

/** Read back at most this much of an answer, then stop reading (the status decides; the rest is not wanted). */
export const MAX_RESPONSE_BYTES = 64 * 1024;
/** How much of a failed answer's body the delivery log keeps. */
const SNIPPET_CHARS = 200;

/** Resolves a name to all its addresses (dns.lookup with all: true in production; a stub in tests). */
export type Resolve = (hostname: string) => Promise<LookupAddress[]>;

const systemResolve: Resolve = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

export interface UndiciWebhookSenderOptions {
  policy: AddressPolicy;
  /** WEBHOOK_CONNECT_TIMEOUT_MS: DNS, TCP and TLS. */
  connectTimeoutMs: number;
  /** WEBHOOK_TIMEOUT_MS: the whole attempt, connecting to the last byte read. */
  timeoutMs: number;
  /** Injected by tests, so no name is ever resolved for real and no traffic goes anywhere but loopback. */
  resolve?: Resolve;
  maxResponseBytes?: number;
}

/**
 * Webhook requests over undici, signed per the Standard Webhooks spec with its maintained package
 * (`standardwebhooks`: `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`).
 *
 * SSRF (docs/decisions/017-webhooks.md): the agent connects through a lookup that resolves the name and refuses the
 * connection when any address it resolved to is refused by `policy`, so the check is on the address actually
 * connected to, every time a connection is made (DNS rebinding gains nothing). An IP literal in the URL is never
 * looked up (node connects to it directly), so it is checked before the request. Redirects are not followed
 * (undici follows none without its redirect interceptor): a 3xx is a failed attempt, like any non-2xx.
 */
export function createUndiciWebhookSender(options: UndiciWebhookSenderOptions): WebhookSender {
  const { policy } = options;
  const resolve = options.resolve ?? systemResolve;
  const maxBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;

  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    resolve(hostname).then(
      (found) => {
        const wanted = lookupOptions.family === 4 || lookupOptions.family === 6 ? found.filter((a) => a.family === lookupOptions.family) : found;
        const refused = wanted.map((a) => policy.refusal(a.address)).find((reason) => reason !== null);
        if (refused) return callback(Object.assign(new Error(`${hostname} resolves to ${refused}`), { code: "WEBHOOK_ADDRESS_REFUSED" }), "", 0);
        const first = wanted[0];
        if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: "ENOTFOUND" }), "", 0);
        if (lookupOptions.all) return callback(null, wanted);
        callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, "", 0),
    );
  };

  const agent = new Agent({
    connect: { lookup, timeout: options.connectTimeoutMs },
    // A few idle connections per endpoint: consecutive deliveries to one receiver reuse them.
    connections: 4,
    keepAliveTimeout: 10_000,
  });

  let closing: Promise<void> | undefined;

  function refusal(url: string): string | null {
    const parsed = parseUrl(url);
    if (!parsed) return `${url} is not a URL`;
    const literal = addressLiteralOf(parsed);
    return literal === null ? null : policy.refusal(literal);
  }

  return {
    refusal,
    async send(webhook: WebhookRequest, signal: AbortSignal): Promise<WebhookSendResult> {
      signal.throwIfAborted();
      const started = performance.now();
      const latencyMs = () => Math.round(performance.now() - started);
      const refused = refusal(webhook.url);
      if (refused) return { kind: "failed", latencyMs: 0, error: refused };
      const timeout = AbortSignal.timeout(options.timeoutMs);
      try {
        const response = await request(webhook.url, {
          method: "POST",
          dispatcher: agent,
          signal: AbortSignal.any([signal, timeout]),
          headers: {
            "content-type": "application/json",
            "user-agent": "user-console-webhooks/1",
            "webhook-id": webhook.messageId,
            "webhook-timestamp": String(Math.floor(webhook.timestamp.getTime() / 1_000)),
            "webhook-signature": new Webhook(webhook.secret).sign(webhook.messageId, webhook.timestamp, webhook.body),
          },
          body: webhook.body,
        });
        const snippet = await readCapped(response.body, maxBytes);
        return { kind: "answered", status: response.statusCode, latencyMs: latencyMs(), snippet };
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        if (timeout.aborted) return { kind: "failed", latencyMs: latencyMs(), error: `no answer within ${options.timeoutMs} ms` };
        return { kind: "failed", latencyMs: latencyMs(), error: describe(error) };
      }
    },
    /** Safe to call twice (the app's stop may run twice: a signal during a failed start). */
    close() {
      closing ??= agent.close();
      return closing;
    },
  };
}

/** Reads at most `maxBytes` of a body, then stops (destroying the rest); returns the start of it as text. */
async function readCapped(body: AsyncIterable<Buffer> & { destroy(): unknown }, maxBytes: number): Promise<string> {
  let read = 0;
  let start = "";
  for await (const chunk of body) {
    if (start.length < SNIPPET_CHARS) start += chunk.subarray(0, SNIPPET_CHARS).toString("utf8");
    read += chunk.length;
    if (read >= maxBytes) {
      body.destroy();
      break;
    }
  }
  return start.slice(0, SNIPPET_CHARS).replace(/\s+/g, " ").trim();
}

/** One line for the delivery log: the error's code and message, and its cause's (undici wraps the socket's). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error).slice(0, 300);
  const code = "code" in error && typeof error.code === "string" ? `${error.code}: ` : "";
  const cause = error.cause instanceof Error && error.cause.message !== error.message ? ` (${error.cause.message})` : "";
  return `${code}${error.message}${cause}`.slice(0, 300);
}
