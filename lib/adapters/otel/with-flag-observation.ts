import { trace } from "@opentelemetry/api";

import type { AppMetrics } from "../prometheus/metrics";
import type { FeatureFlags } from "../../ports/feature-flags";

// OpenTelemetry's feature flag conventions are still incubating: their names are copied here, as the
// semantic-conventions package advises for unstable ones, rather than imported from its incubating entry point.
const EVENT_FEATURE_FLAG_EVALUATION = "feature_flag.evaluation";
const ATTR_FEATURE_FLAG_KEY = "feature_flag.key";
const ATTR_FEATURE_FLAG_PROVIDER_NAME = "feature_flag.provider.name";
const ATTR_FEATURE_FLAG_RESULT_VARIANT = "feature_flag.result.variant";
const ATTR_FEATURE_FLAG_RESULT_REASON = "feature_flag.result.reason";
const ATTR_ERROR_TYPE = "error.type";

/**
 * Every evaluation counted in `feature_flag_evaluations_total{flag,variation}` (and by `record`) and recorded on the active span as
 * a `feature_flag.evaluation` event with the semantic convention's attributes (issue 9). Never the context's
 * attributes: they are a user's id and email domain.
 */
export function withFlagObservation(
  flags: FeatureFlags,
  metrics: AppMetrics,
  /** Also told of each evaluation: the per-day counts behind stale marking (use-cases/record-flag-evaluations.ts). */
  record: (flag: string, variation: string) => void,
): FeatureFlags {
  return {
    ...flags,
    async evaluate(key, context) {
      const result = await flags.evaluate(key, context);
      const variant = String(result.value);
      metrics.countFlagEvaluation(key, variant);
      record(key, variant);
      trace.getActiveSpan()?.addEvent(EVENT_FEATURE_FLAG_EVALUATION, {
        [ATTR_FEATURE_FLAG_KEY]: key,
        [ATTR_FEATURE_FLAG_PROVIDER_NAME]: "LaunchDarkly",
        [ATTR_FEATURE_FLAG_RESULT_VARIANT]: variant,
        [ATTR_FEATURE_FLAG_RESULT_REASON]: result.reason.toLowerCase(),
        ...(result.errorCode && { [ATTR_ERROR_TYPE]: result.errorCode }),
      });
      return result;
    },
  };
}
