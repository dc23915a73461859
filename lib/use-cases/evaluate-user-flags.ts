import { UserNotFoundError } from "../domain/errors";
import { FLAG_KEYS, type FlagKey } from "../domain/feature-flags";
import type { FeatureFlags, FlagEvaluation } from "../ports/feature-flags";
import type { UnitOfWork } from "../ports/unit-of-work";
import type { CallContext } from "./call-context";
import { callerFlagContext, userFlagContext } from "./flag-context";

export type UserFlagEvaluation = FlagEvaluation<boolean | string> & { key: FlagKey };
export type EvaluateUserFlags = (userId: string, context: CallContext) => Promise<UserFlagEvaluation[]>;

/** Each flag's variation for one user and why (the SDK's reason): GET /api/v1/users/{id}/flags, the overview. */
export function makeEvaluateUserFlags({ unitOfWork, flags }: { unitOfWork: UnitOfWork; flags: FeatureFlags }): EvaluateUserFlags {
  return async (userId, { signal }) => {
    const user = await unitOfWork.run(({ users }) => users.getById(userId), { signal });
    if (!user) throw new UserNotFoundError(userId);
    return evaluateAll(flags, userFlagContext(user));
  };
}

export type EvaluateCallerFlags = (context: Pick<CallContext, "principal">) => Promise<UserFlagEvaluation[]>;

/**
 * Each flag's variation for the caller, as the API's gates evaluate it (GET /api/v1/session/flags: the console's
 * banner and table density). Counted as the code asking, unlike showing someone else's.
 */
export function makeEvaluateCallerFlags({ flags }: { flags: FeatureFlags }): EvaluateCallerFlags {
  return ({ principal }) => evaluateAll(flags, callerFlagContext(principal));
}

export async function evaluateAll(flags: FeatureFlags, context: Parameters<FeatureFlags["evaluate"]>[1]): Promise<UserFlagEvaluation[]> {
  return Promise.all(FLAG_KEYS.map(async (key) => ({ key, ...(await flags.evaluate(key, context)) })));
}
