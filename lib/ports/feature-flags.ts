import type { FlagKey, FlagValue, LdFlag } from "../domain/feature-flags";
import type { Role, UserStatus } from "../domain/user";

/**
 * Who a flag is evaluated for (issue 9): the acting admin on UI paths, the target user on per-user paths. The
 * attributes are the ones flag rules may test; `key` is the user's id.
 */
export interface FlagContext {
  key: string;
  role?: Role;
  emailDomain?: string;
  status?: UserStatus;
}

/** A context's variation of a flag, and why it got it. */
export interface FlagEvaluation<V> {
  value: V;
  /** Index into the flag's variations; null when the fallback was used. */
  variationIndex: number | null;
  /**
   * LaunchDarkly's reason kind: `OFF` (the flag's off variation), `TARGET_MATCH` (listed individually),
   * `RULE_MATCH`, `FALLTHROUGH` (the default rule, a rollout included), or `ERROR`.
   */
  reason: string;
  /** Set when the flag could not be evaluated and `value` is the declared fallback. */
  errorCode?: string;
}

/**
 * Evaluates the app's flags (lib/domain/feature-flags.ts) through the LaunchDarkly SDK. Never throws for an
 * evaluation: a flag that cannot be evaluated gives its declared fallback, with `errorCode`.
 */
export interface FeatureFlags {
  evaluate<K extends FlagKey>(key: K, context: FlagContext): Promise<FlagEvaluation<FlagValue<K>>>;
  /** Resolves once the SDK has its flag data (or gave up waiting); readiness reports {@link initialized}. */
  waitUntilReady(): Promise<void>;
  initialized(): boolean;
  close(): Promise<void>;
}

/** The SDK fed with this app's stored flags (no LaunchDarkly SDK key): a change is handed to it to evaluate. */
export interface LocalFeatureFlags extends FeatureFlags {
  /** Replaces a flag's definition; the next evaluation sees it. */
  apply(flag: LdFlag): Promise<void>;
}

/** Where the flags come from: this app's database (changed here), or LaunchDarkly (changed there). */
export type FlagSetup = { mode: "local"; flags: LocalFeatureFlags } | { mode: "launchdarkly"; flags: FeatureFlags };

/**
 * Tells this replica that another one changed a stored flag (PostgreSQL LISTEN/NOTIFY), so it re-reads the flags
 * without waiting for its next poll. The embedded database is one process and has none.
 */
export interface FlagChangeFeed {
  /** Calls `onChange` with a flag's key after each change commits, until the returned close() is called. */
  subscribe(onChange: (key: string) => void): Promise<{ close(): Promise<void> }>;
}
