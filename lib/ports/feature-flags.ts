import type { FlagKey, FlagValue } from "../domain/feature-flags";
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
