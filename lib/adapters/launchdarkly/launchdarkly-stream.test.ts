/**
 * The FeatureFlags adapter against LaunchDarkly's own protocol, offline (issue 9: "a flag change pushed by that
 * server is seen by the app"), through a loopback stand-in for its streaming and events services
 * (test/support/launchdarkly-stand-in.ts, which describes the protocol).
 */
import { randomUUID } from "node:crypto";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { ClientRequest } from "node:http";

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { startLaunchDarklyStandIn, type LaunchDarklyStandIn } from "../../../test/support/launchdarkly-stand-in";
import { initialFlag, toSdkFlag, type LdFlag } from "../../domain/feature-flags";
import { createLaunchDarklyFeatureFlags } from "./launchdarkly-feature-flags";
import { createLogger } from "../pino/logger";
import type { FeatureFlags, FlagContext } from "../../ports/feature-flags";
import type { Logger } from "../../ports/logger";

const ada: FlagContext = { key: "0190a3e0-0000-7000-8000-000000000001", role: "ADMIN", emailDomain: "example.com", status: "ACTIVE" };
const bob: FlagContext = { key: "0190a3e0-0000-7000-8000-000000000002", role: "VIEWER", emailDomain: "partner.test", status: "ACTIVE" };

let standIn: LaunchDarklyStandIn;
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
  standIn = await startLaunchDarklyStandIn();
  origin = standIn.origin;
});

afterAll(async () => {
  unsubscribe("http.client.request.start", recordOutbound);
  await standIn.close();
});

const environment = (...flags: LdFlag[]) => standIn.environment(...flags);

/** Sends an event down the environment's one open stream, as LaunchDarkly does when a flag is edited. */
function push(sdkKey: string, event: "patch" | "delete", data: unknown) {
  expect(standIn.push(sdkKey, event, data)).toBe(1);
}

const receivedWith = (sdkKey: string) => standIn.received.filter((entry) => entry.authorization === sdkKey);

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
