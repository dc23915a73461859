/**
 * API tokens: create (the secret is returned once), list, revoke. One file for the three verbs because they
 * share the permission check and nothing else would read them apart.
 *
 * A token belongs to the ADMIN who creates it (issue 18): it is revoked when they stop being an active ADMIN
 * (user-changes.ts), and it always expires, at most `maxLifetimeDays` after it was made.
 */
import type { ApiToken, UserPrincipal } from "../domain/auth";
import { ForbiddenError, TokenLifetimeTooLongError, TokenNotFoundError } from "../domain/errors";
import { principalHas } from "../domain/permissions";
import type { Role } from "../domain/user";
import type { Clock } from "../ports/clock";
import type { UnitOfWork } from "../ports/unit-of-work";
import { auditBy, type CallContext } from "./call-context";
import { API_TOKEN_PREFIX, hashSecret, newSecret } from "./secrets";

const DAY_MS = 24 * 60 * 60_000;

/** Who a token belongs to, as they are now: shown beside it. */
export interface TokenOwner {
  readonly id: string;
  readonly email: string;
  readonly name: string;
}

export type OwnedApiToken = ApiToken & { readonly owner: TokenOwner | null };

export type CreateApiToken = (
  input: { name: string; role: Role; expiresAt: Date | null },
  context: CallContext,
) => Promise<{ token: OwnedApiToken; secret: string }>;
export type ListApiTokens = (context: CallContext) => Promise<OwnedApiToken[]>;
export type RevokeApiToken = (id: string, context: CallContext) => Promise<ApiToken>;

/** The caller, who must be a person allowed to manage tokens (never a token: tokens:manage is not for them). */
function manager(context: CallContext): UserPrincipal {
  const principal = context.principal;
  if (principal.kind !== "user" || !principalHas(principal, "tokens:manage")) {
    throw new ForbiddenError("Your role may not manage API tokens");
  }
  return principal;
}

export function makeCreateApiToken({
  unitOfWork,
  clock,
  maxLifetimeDays,
}: {
  unitOfWork: UnitOfWork;
  clock: Clock;
  /** API_TOKEN_MAX_LIFETIME_DAYS. */
  maxLifetimeDays: number;
}): CreateApiToken {
  return (input, context) => {
    const owner = manager(context);
    const secret = newSecret(API_TOKEN_PREFIX);
    return unitOfWork.run(
      async ({ tokens, audit }) => {
        const now = clock.now();
        const latest = new Date(now.getTime() + maxLifetimeDays * DAY_MS);
        if (input.expiresAt && input.expiresAt > latest) throw new TokenLifetimeTooLongError(maxLifetimeDays);
        const token = await tokens.create({
          name: input.name,
          role: input.role,
          secretHash: hashSecret(secret),
          prefix: secret.slice(0, API_TOKEN_PREFIX.length + 4),
          createdBy: owner.email,
          ownerId: owner.userId,
          createdAt: now,
          expiresAt: input.expiresAt ?? latest,
        });
        await audit.append({
          action: "token.created",
          ...auditBy(context),
          target: { type: "token", id: token.id },
          data: { after: { name: token.name, role: token.role, expiresAt: token.expiresAt, ownerId: token.ownerId } },
        });
        return { token: { ...token, owner: { id: owner.userId, email: owner.email, name: owner.name } }, secret };
      },
      { signal: context.signal },
    );
  };
}

export function makeListApiTokens({ unitOfWork }: { unitOfWork: UnitOfWork }): ListApiTokens {
  return (context) => {
    manager(context);
    return unitOfWork.run(
      async ({ tokens, users }) => {
        const list = await tokens.list();
        const ownerIds = [...new Set(list.flatMap((token) => (token.ownerId === null ? [] : [token.ownerId])))];
        // Issued together: Prisma sends concurrent lookups by id as one query.
        const owners = await Promise.all(ownerIds.map((id) => users.getById(id)));
        const byId = new Map<string, TokenOwner>();
        for (const user of owners) if (user) byId.set(user.id, { id: user.id, email: user.email, name: user.name });
        return list.map((token) => ({ ...token, owner: token.ownerId === null ? null : (byId.get(token.ownerId) ?? null) }));
      },
      { signal: context.signal },
    );
  };
}

export function makeRevokeApiToken({ unitOfWork, clock }: { unitOfWork: UnitOfWork; clock: Clock }): RevokeApiToken {
  return (id, context) => {
    manager(context);
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
