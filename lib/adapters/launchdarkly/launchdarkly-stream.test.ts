/**
 * The FeatureFlags adapter against LaunchDarkly's own protocol, offline (issue 9: "a flag change pushed by that
 * server is seen by the app"). A loopback server stands in for LaunchDarkly's streaming service and its events
 * service, speaking what the SDK (node-server-sdk 9.13, js-server-sdk-common 2.21) expects:
 * - `GET {streamUri}/all` with `Authorization: <SDK key>`, answered with server-sent events: `put` carries every
 *   flag (`{"path":"/","data":{"flags":{...},"segments":{}}}`), `patch` one flag (`{"path":"/flags/<key>",
 *   "data":<flag>}`, applied only if its version is newer), `delete` removes one (`{"path":..., "version":n}`);
 * - `POST {eventsUri}/diagnostic` at start and `POST {eventsUri}/bulk` when events are flushed (at close).
 * A 401 is "invalid SDK key": the SDK gives up at once, without retrying or waiting for its init timeout.
 * Flag JSON comes from lib/domain/feature-flags.ts, so the shape served is ours.
 */
import { randomUUID } from "node:crypto";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { ClientRequest, createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { initialFlag, toSdkFlag, type LdFlag } from "../../domain/feature-flags";
import { createLaunchDarklyFeatureFlags } from "./launchdarkly-feature-flags";
import { createLogger } from "../pino/logger";
import type { FeatureFlags, FlagContext } from "../../ports/feature-flags";
import type { Logger } from "../../ports/logger";

const ada: FlagContext = { key: "0190a3e0-0000-7000-8000-000000000001", role: "ADMIN", emailDomain: "example.com", status: "ACTIVE" };
const bob: FlagContext = { key: "0190a3e0-0000-7000-8000-000000000002", role: "VIEWER", emailDomain: "partner.test", status: "ACTIVE" };

/** One LaunchDarkly environment of the stand-in: the flags its `put` serves, and its open streams. */
interface Environment {
  flags: LdFlag[];
  streams: ServerResponse[];
}

/** What the stand-in received, in order. */
interface Received {
  method: string;
  path: string;
  authorization: string | undefined;
  body: string;
}

const environments = new Map<string, Environment>();
const received: Received[] = [];
let server: Server;
let origin: string;

/** Every HTTP(S) request this process starts, whoever starts it: proof that nothing leaves the machine. */
const outbound: string[] = [];
const recordOutbound = (message: unknown) => {
  if (!(message instanceof Object && "request" in message && message.request instanceof ClientRequest)) {
    throw new Error("http.client.request.start carries no ClientRequest");
  }
  const { request } = message;
  outbound.push(`${request.protocol}//${String(request.getHeader("host"))}${request.path}`);
};

beforeAll(async () => {
  subscribe("http.client.request.start", recordOutbound);
  server = createServer((request, response) => void standIn(request, response));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the stand-in is not listening on TCP");
  origin = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  unsubscribe("http.client.request.start", recordOutbound);
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
});

async function standIn(request: IncomingMessage, response: ServerResponse) {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(Buffer.from(chunk));
  const body = Buffer.concat(chunks).toString("utf8");
  const authorization = request.headers.authorization;
  received.push({ method: request.method ?? "", path: request.url ?? "", authorization, body });
  const environment = authorization === undefined ? undefined : environments.get(authorization);
  if (!environment) {
    response.writeHead(401).end();
  } else if (request.method === "GET" && request.url === "/all") {
    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const flags = Object.fromEntries(environment.flags.map((flag) => [flag.key, toSdkFlag(flag)]));
    response.write(sse("put", { path: "/", data: { flags, segments: {} } }));
    environment.streams.push(response);
    response.on("close", () => environment.streams.splice(environment.streams.indexOf(response), 1));
  } else if (request.method === "POST" && (request.url === "/bulk" || request.url === "/diagnostic")) {
    response.writeHead(202).end();
  } else {
    response.writeHead(404).end();
  }
}

function sse(event: "put" | "patch" | "delete", data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A new environment serving `flags`; returns its SDK key. */
function environment(...flags: LdFlag[]): string {
  const sdkKey = `sdk-${randomUUID()}`;
  environments.set(sdkKey, { flags, streams: [] });
  return sdkKey;
}

/** Sends an event down every open stream of the environment, as LaunchDarkly does when a flag is edited. */
function push(sdkKey: string, event: "patch" | "delete", data: unknown) {
  const streams = environments.get(sdkKey)?.streams ?? [];
  expect(streams).toHaveLength(1);
  for (const stream of streams) stream.write(sse(event, data));
}

const receivedWith = (sdkKey: string) => received.filter((entry) => entry.authorization === sdkKey);

const opened: FeatureFlags[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((flags) => flags.close()));
});

function connect(sdkKey: string, log: Logger = createLogger({ LOG_LEVEL: "silent" })): FeatureFlags {
  const flags = createLaunchDarklyFeatureFlags({ kind: "launchdarkly", sdkKey, baseUri: origin, streamUri: origin, eventsUri: origin }, log);
  opened.push(flags);
  return flags;
}

/** A density flag with ada's colleague bob listed individually. */
function densityTargetingBob(): LdFlag {
  return { ...initialFlag("users-table-density"), targets: [{ values: [bob.key], variation: 2 }] };
}

describe("feature flags from LaunchDarkly (a loopback stand-in for its streaming service)", () => {
  it("opens the stream with the SDK key, evaluates the initial put, and sends its events to the stand-in only", async () => {
    const sdkKey = environment(initialFlag("ops-read-only-mode"), initialFlag("bulk-import"), densityTargetingBob());
    const flags = connect(sdkKey);
    await flags.waitUntilReady();

    expect(flags.initialized()).toBe(true);
    expect(receivedWith(sdkKey).filter((entry) => entry.method === "GET").map((entry) => entry.path)).toEqual(["/all"]);
    expect(await flags.evaluate("ops-read-only-mode", ada)).toEqual({ value: false, variationIndex: 1, reason: "FALLTHROUGH" });
    expect(await flags.evaluate("bulk-import", ada)).toEqual({ value: true, variationIndex: 0, reason: "FALLTHROUGH" });
    expect(await flags.evaluate("users-table-density", bob)).toEqual({ value: "spacious", variationIndex: 2, reason: "TARGET_MATCH" });
    expect(await flags.evaluate("users-table-density", ada)).toEqual({ value: "comfortable", variationIndex: 1, reason: "FALLTHROUGH" });

    await flags.close(); // flushes the evaluation events to /bulk; /diagnostic was posted, unawaited, at start
    const posted = () => receivedWith(sdkKey).filter((entry) => entry.method === "POST");
    await expect.poll(() => posted().map((entry) => entry.path)).toEqual(expect.arrayContaining(["/diagnostic", "/bulk"]));
    expect(posted().find((entry) => entry.path === "/bulk")?.body).toContain('"ops-read-only-mode"');
    expect(outbound).toContain(`${origin}/all`);
    expect(outbound.filter((url) => !url.startsWith(`${origin}/`))).toEqual([]);
  });

  it("sees flags patched on the open stream at the next evaluations, without reconnecting", async () => {
    const sdkKey = environment(initialFlag("bulk-import"), initialFlag("users-table-density"));
    const flags = connect(sdkKey);
    await flags.waitUntilReady();
    expect((await flags.evaluate("bulk-import", ada)).value).toBe(true);

    // Imports turned off on LaunchDarkly (the kill switch): a new version of the flag, off, serving its off variation.
    const noImports: LdFlag = { ...initialFlag("bulk-import"), version: 2, on: false };
    push(sdkKey, "patch", { path: "/flags/bulk-import", data: toSdkFlag(noImports) });
    await expect.poll(() => flags.evaluate("bulk-import", ada)).toEqual({ value: false, variationIndex: 1, reason: "OFF" });

    const spacious: LdFlag = { ...initialFlag("users-table-density"), version: 2, fallthrough: { variation: 2 } };
    push(sdkKey, "patch", { path: "/flags/users-table-density", data: toSdkFlag(spacious) });
    await expect
      .poll(() => flags.evaluate("users-table-density", bob))
      .toEqual({ value: "spacious", variationIndex: 2, reason: "FALLTHROUGH" });

    // Both changes came down the one stream opened at start, not from a reconnection's fresh put.
    expect(receivedWith(sdkKey).filter((entry) => entry.path === "/all")).toHaveLength(1);
    expect(flags.initialized()).toBe(true);
  });

  it("answers a flag deleted on LaunchDarkly with its declared fallback and FLAG_NOT_FOUND", async () => {
    const sdkKey = environment({ ...initialFlag("ops-read-only-mode"), fallthrough: { variation: 0 } });
    const flags = connect(sdkKey);
    await flags.waitUntilReady();
    expect((await flags.evaluate("ops-read-only-mode", ada)).value).toBe(true);

    push(sdkKey, "delete", { path: "/flags/ops-read-only-mode", version: 2 });
    await expect
      .poll(() => flags.evaluate("ops-read-only-mode", ada))
      .toEqual({ value: false, variationIndex: null, reason: "ERROR", errorCode: "FLAG_NOT_FOUND" });
  });

  it("stays uninitialised with a refused SDK key, at once rather than after the init timeout, and answers fallbacks", async () => {
    const errors: string[] = [];
    const ignore = () => undefined;
    const recording: Logger = {
      debug: ignore,
      info: ignore,
      warn: ignore,
      error: (_fields, message) => void errors.push(message ?? ""),
      child: () => recording,
    };
    const refusedKey = `sdk-refused-${randomUUID()}`;

    const started = performance.now();
    const flags = connect(refusedKey, recording);
    await flags.waitUntilReady();

    // 401 is not retried (js-sdk-common isHttpRecoverable), so the adapter's 10 s INIT_TIMEOUT_SECONDS is not waited.
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(flags.initialized()).toBe(false);
    expect(receivedWith(refusedKey).filter((entry) => entry.path === "/all")).toHaveLength(1);
    expect(errors).toContain("Received error 401 (invalid SDK key) for streaming request - giving up permanently");
    expect(await flags.evaluate("bulk-import", ada)).toEqual({ value: true, variationIndex: null, reason: "ERROR", errorCode: "PROVIDER_NOT_READY" });
    expect(await flags.evaluate("users-table-density", bob)).toEqual({
      value: "comfortable",
      variationIndex: null,
      reason: "ERROR",
      errorCode: "PROVIDER_NOT_READY",
    });
  });
});
