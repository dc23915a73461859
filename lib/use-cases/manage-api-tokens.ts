/**
 * API tokens: create (the secret is returned once), list, revoke. One file for the three verbs because they
 * share the permission check and nothing else would read them apart.
 */
import type { ApiToken } from "../domain/auth";
import { ForbiddenError, TokenNotFoundError } from "../domain/errors";
import { roleHas } from "../domain/permissions";
import type { Role } from "../domain/user";
import type { Clock } from "../ports/clock";
import type { UnitOfWork } from "../ports/unit-of-work";
import { auditBy, type CallContext } from "./call-context";
import { API_TOKEN_PREFIX, hashSecret, newSecret } from "./secrets";

export type CreateApiToken = (
  input: { name: string; role: Role; expiresAt: Date | null },
  context: CallContext,
) => Promise<{ token: ApiToken; secret: string }>;
export type ListApiTokens = (context: CallContext) => Promise<ApiToken[]>;
export type RevokeApiToken = (id: string, context: CallContext) => Promise<ApiToken>;

function assertMayManage(context: CallContext): void {
  if (!roleHas(context.principal.role, "tokens:manage")) throw new ForbiddenError("Your role may not manage API tokens");
}

export function makeCreateApiToken({ unitOfWork, clock }: { unitOfWork: UnitOfWork; clock: Clock }): CreateApiToken {
  return (input, context) => {
    assertMayManage(context);
    const secret = newSecret(API_TOKEN_PREFIX);
    return unitOfWork.run(
      async ({ tokens, audit }) => {
        const token = await tokens.create({
          name: input.name,
          role: input.role,
          secretHash: hashSecret(secret),
          prefix: secret.slice(0, API_TOKEN_PREFIX.length + 4),
          createdBy: auditBy(context).actor.label,
          createdAt: clock.now(),
          expiresAt: input.expiresAt,
        });
        await audit.append({
          action: "token.created",
          ...auditBy(context),
          target: { type: "token", id: token.id },
          data: { after: { name: token.name, role: token.role, expiresAt: token.expiresAt } },
        });
        return { token, secret };
      },
      { signal: context.signal },
    );
  };
}

export function makeListApiTokens({ unitOfWork }: { unitOfWork: UnitOfWork }): ListApiTokens {
  return (context) => {
    assertMayManage(context);
    return unitOfWork.run(({ tokens }) => tokens.list(), { signal: context.signal });
  };
}

export function makeRevokeApiToken({ unitOfWork, clock }: { unitOfWork: UnitOfWork; clock: Clock }): RevokeApiToken {
  return (id, context) => {
    assertMayManage(context);
    return unitOfWork.run(
      async ({ tokens, audit }) => {
        const before = await tokens.getById(id);
        if (!before) throw new TokenNotFoundError(id);
        const token = (await tokens.revoke(id, clock.now())) ?? before;
        if (!before.revokedAt) {
          await audit.append({
            action: "token.revoked",
            ...auditBy(context),
            target: { type: "token", id },
            data: { before: { revokedAt: null }, after: { revokedAt: token.revokedAt }, name: token.name },
          });
        }
        return token;
      },
      { signal: context.signal },
    );
  };
}
