import { UserNotFoundError } from "../domain/errors";
import type { UnitOfWork } from "../ports/unit-of-work";
import { refusalMarker } from "./attempts";
import { auditBy, type CallContext } from "./call-context";
import type { SignInGate } from "./sign-in-gate";

export type ClearSignInFailures = (userId: string, context: CallContext) => Promise<{ cleared: number }>;

/**
 * An ADMIN lifts the sign-in delay strangers' failures put on an account (issue 18): its failures are deleted,
 * so its owner signs in from any browser at once. Client addresses' own limits stay (they stop spraying).
 * Other replicas stop refusing the account from memory within a minute (sign-in-gate.ts).
 */
export function makeClearSignInFailures({ unitOfWork, gate }: { unitOfWork: UnitOfWork; gate: SignInGate }): ClearSignInFailures {
  return async (userId, context) => {
    const result = await unitOfWork.run(
      async ({ users, signInFailures, audit }) => {
        const user = await users.getById(userId);
        if (!user) throw new UserNotFoundError(userId);
        const key = `account:${user.email}`;
        const cleared = await signInFailures.clear(key);
        await signInFailures.clear(refusalMarker(key));
        await audit.append({
          action: "user.sign_in_failures_cleared",
          ...auditBy(context),
          target: { type: "user", id: user.id },
          data: { cleared },
        });
        return { key, cleared };
      },
      { signal: context.signal },
    );
    gate.forget(result.key);
    return { cleared: result.cleared };
  };
}
