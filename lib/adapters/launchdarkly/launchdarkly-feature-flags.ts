import { randomUUID } from "node:crypto";

import { integrations, type LDLogger, type LDOptions } from "@launchdarkly/node-server-sdk";
import { LaunchDarklyProvider } from "@launchdarkly/openfeature-node-server";
import { OpenFeature, type EvaluationContext, type EvaluationDetails } from "@openfeature/server-sdk";

import { FLAGS, toSdkFlag, type FlagKey, type FlagValue, type LdFlag } from "../../domain/feature-flags";
import type { Logger } from "../../ports/logger";
import type { FeatureFlags, FlagContext, FlagEvaluation, LocalFeatureFlags } from "../../ports/feature-flags";

/** Where the SDK gets its flags. */
export type FlagSource =
  /** Flags stored by this app, fed to the SDK through its TestData source ({@link LocalFeatureFlags.apply}). */
  | { kind: "local"; flags: readonly LdFlag[] }
  /** LaunchDarkly itself; the URIs replace the service's (a stand-in server in tests). */
  | { kind: "launchdarkly"; sdkKey: string; baseUri?: string; streamUri?: string; eventsUri?: string }
  /** A flag file in LaunchDarkly's format, watched for changes (the file data source). */
  | { kind: "file"; paths: string[] };

/** Seconds the SDK may take to get its flags before evaluations fall back to the declared values. */
const INIT_TIMEOUT_SECONDS = 10;

/**
 * The FeatureFlags port on the LaunchDarkly server SDK, through OpenFeature (LaunchDarkly's provider). Each
 * instance is an OpenFeature domain of its own, so two apps in one process (tests) do not share flags.
 *
 * Local flags: the SDK's TestData source holds our stored flag JSON, so targeting, rules and rollouts evaluate
 * as on the service; the SDK key is then a placeholder and no event is sent anywhere (`sendEvents: false`).
 */
export function createLaunchDarklyFeatureFlags(source: FlagSource & { kind: "local" }, log: Logger): LocalFeatureFlags;
export function createLaunchDarklyFeatureFlags(source: FlagSource, log: Logger): FeatureFlags;
export function createLaunchDarklyFeatureFlags(source: FlagSource, log: Logger): FeatureFlags | LocalFeatureFlags {
  const logger = sdkLogger(log);
  const testData = source.kind === "local" ? new integrations.TestData() : null;
  if (testData && source.kind === "local") {
    for (const flag of source.flags) void testData.usePreconfiguredFlag(toSdkFlag(flag));
  }
  const options: LDOptions =
    source.kind === "launchdarkly"
      ? {
          logger,
          ...(source.baseUri && { baseUri: source.baseUri }),
          ...(source.streamUri && { streamUri: source.streamUri }),
          ...(source.eventsUri && { eventsUri: source.eventsUri }),
        }
      : {
          logger,
          sendEvents: false,
          diagnosticOptOut: true,
          updateProcessor: testData
            ? testData.getFactory()
            : new integrations.FileDataSourceFactory({ paths: source.kind === "file" ? source.paths : [], autoUpdate: true }).getFactory(),
        };
  const sdkKey = source.kind === "launchdarkly" ? source.sdkKey : "local-flags";
  const provider = new LaunchDarklyProvider(sdkKey, options, INIT_TIMEOUT_SECONDS);
  const domain = `user-console-${randomUUID()}`;
  const ready = OpenFeature.setProviderAndWait(domain, provider).catch((error: unknown) => {
    log.warn({ err: error }, "feature flags: the SDK did not initialise; flags answer their declared fallbacks");
  });
  const client = OpenFeature.getClient(domain);

  const flags: LocalFeatureFlags = {
    async evaluate<K extends FlagKey>(key: K, context: FlagContext): Promise<FlagEvaluation<FlagValue<K>>> {
      const fallback: boolean | string = FLAGS[key].fallback;
      const evaluation = toEvaluationContext(context);
      const details: EvaluationDetails<boolean | string> =
        typeof fallback === "boolean"
          ? await client.getBooleanDetails(key, fallback, evaluation)
          : await client.getStringDetails(key, fallback, evaluation);
      const declared: readonly (boolean | string)[] = FLAGS[key].variations;
      // A value outside the declared variations (a flag edited on LaunchDarkly with other values) is not served.
      const value = declared.find((candidate) => candidate === details.value);
      if (value === undefined || details.errorCode) {
        return {
          value: FLAGS[key].fallback as FlagValue<K>,
          variationIndex: null,
          reason: "ERROR",
          errorCode: details.errorCode ?? "WRONG_VALUE",
        };
      }
      return {
        value: value as FlagValue<K>,
        variationIndex: details.variant === undefined ? null : Number(details.variant),
        reason: details.reason ?? "UNKNOWN",
      };
    },
    waitUntilReady: () => ready,
    initialized: () => provider.getClient().initialized(),
    async close() {
      await provider.onClose();
    },
    async apply(flag) {
      if (!testData) throw new Error("only local flags can be changed here");
      await testData.usePreconfiguredFlag(toSdkFlag(flag));
    },
  };
  return flags;
}

/** The OpenFeature context the LaunchDarkly provider turns into a `user` context with these attributes. */
function toEvaluationContext(context: FlagContext): EvaluationContext {
  return {
    kind: "user",
    targetingKey: context.key,
    ...(context.role && { role: context.role }),
    ...(context.emailDomain && { emailDomain: context.emailDomain }),
    ...(context.status && { status: context.status }),
  };
}

/** The SDK's own log lines, in ours (debug and info are chatty: connection details at start). */
function sdkLogger(log: Logger): LDLogger {
  return {
    error: (...args) => log.error({ component: "launchdarkly" }, args.map(String).join(" ")),
    warn: (...args) => log.warn({ component: "launchdarkly" }, args.map(String).join(" ")),
    info: (...args) => log.debug({ component: "launchdarkly" }, args.map(String).join(" ")),
    debug: () => undefined,
  };
}
