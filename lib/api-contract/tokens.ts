/** API tokens (ADMINs' own): /api/v1/tokens. */
import { z } from "zod";

import { requestedRole, role, timestamp } from "./common";

export const createTokenBody = z.strictObject({
  name: z.string().trim().min(1, "Name the token").max(100),
  role: requestedRole,
  expiresAt: z.iso
    .datetime({ offset: true })
    .nullable()
    .default(null)
    .transform((value) => (value === null ? null : new Date(value)))
    .refine((value) => value === null || value.getTime() > Date.now(), "The expiry must be in the future"),
});

/** The body as sent: the API turns `expiresAt` into a date. */
export type CreateTokenBody = z.input<typeof createTokenBody>;

export const apiTokenResponse = z
  .strictObject({
    id: z.string(),
    name: z.string(),
    role,
    prefix: z.string().meta({ description: "The first characters of the secret, to tell tokens apart" }),
    createdAt: timestamp,
    createdBy: z.string().meta({ description: "Email of the user who created it, as it was then" }),
    ownerId: z
      .string()
      .nullable()
      .meta({ description: "The ADMIN it belongs to; null only for a token older than owners whose creator was not found (revoked)" }),
    owner: z
      .strictObject({ id: z.string(), email: z.string(), name: z.string() })
      .nullable()
      .meta({ description: "The owner as they are now; null when there is none, or they were deleted" }),
    expiresAt: timestamp,
    lastUsedAt: timestamp.nullable(),
    revokedAt: timestamp.nullable(),
  })
  .meta({ id: "ApiToken", description: "An API token without its secret" });

export const apiTokenListResponse = z.strictObject({ items: z.array(apiTokenResponse) }).meta({ id: "ApiTokenList" });

export const createdApiTokenResponse = z
  .strictObject({
    token: apiTokenResponse,
    secret: z.string().meta({ description: "`uct_...`: shown in this response only, never again" }),
  })
  .meta({ id: "CreatedApiToken" });

export type ApiTokenJson = z.output<typeof apiTokenResponse>;
