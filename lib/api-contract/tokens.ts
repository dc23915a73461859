/** API tokens (ADMINs' own): /api/v1/tokens. */
import * as z from "../domain/zod";

import { requestedRole, role, timestamp } from "./common";

export const createTokenBody = z.strictObject({
  name: z.string().check(z.trim(), z.minLength(1, "Name the token"), z.maxLength(100)),
  role: requestedRole,
  expiresAt: z
    .pipe(
      z._default(z.nullable(z.iso.datetime({ offset: true })), null),
      z.transform((value: string | null) => (value === null ? null : new Date(value))),
    )
    .check(z.refine((value) => value === null || value.getTime() > Date.now(), "The expiry must be in the future")),
});

/** The body as sent: the API turns `expiresAt` into a date. */
export type CreateTokenBody = z.input<typeof createTokenBody>;

export const apiTokenResponse = z
  .strictObject({
    id: z.string(),
    name: z.string(),
    role,
    prefix: z.string().check(z.meta({ description: "The first characters of the secret, to tell tokens apart" })),
    createdAt: timestamp,
    createdBy: z.string().check(z.meta({ description: "Email of the user who created it, as it was then" })),
    ownerId: z
      .nullable(z.string())
      .check(z.meta({ description: "The ADMIN it belongs to; null only for a token older than owners whose creator was not found (revoked)" })),
    owner: z
      .nullable(z.strictObject({ id: z.string(), email: z.string(), name: z.string() }))
      .check(z.meta({ description: "The owner as they are now; null when there is none, or they were deleted" })),
    expiresAt: timestamp,
    lastUsedAt: z.nullable(timestamp),
    revokedAt: z.nullable(timestamp),
  })
  .check(z.meta({ id: "ApiToken", description: "An API token without its secret" }));

export const apiTokenListResponse = z.strictObject({ items: z.array(apiTokenResponse) }).check(z.meta({ id: "ApiTokenList" }));

export const createdApiTokenResponse = z
  .strictObject({
    token: apiTokenResponse,
    secret: z.string().check(z.meta({ description: "`uct_...`: shown in this response only, never again" })),
  })
  .check(z.meta({ id: "CreatedApiToken" }));

export type ApiTokenJson = z.output<typeof apiTokenResponse>;
