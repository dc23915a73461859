/**
 * What the flags give someone: GET /api/v1/users/{id}/flags, GET /api/v1/session/flags and the user overview's
 * flags. Apart from ./flags.ts (the flags' definitions), since every console page reads the caller's own.
 */
import * as z from "../domain/zod";

import { FLAG_KEYS } from "../domain/feature-flags";

export const flagKey = z.enum(FLAG_KEYS);
/** A variation: on/off, or a name (never empty). */
export const flagValue = z.union([z.boolean(), z.string().check(z.minLength(1))]);

export const userFlagsResponse = z
  .strictObject({
    items: z.array(
      z.strictObject({
        key: flagKey,
        value: flagValue,
        variationIndex: z.nullable(z.int().check(z.minimum(0))).check(z.meta({ description: "Null when the fallback was served" })),
        reason: z.string().check(
          z.meta({
            description: "Why: OFF, TARGET_MATCH (listed individually), RULE_MATCH, FALLTHROUGH (default rule or rollout), ERROR",
            examples: ["FALLTHROUGH"],
          }),
        ),
        errorCode: z.optional(z.string()),
      }),
    ),
  })
  .check(z.meta({ id: "UserFlags" }));

export type FlagValueJson = z.output<typeof flagValue>;
export type UserFlagJson = z.output<typeof userFlagsResponse>["items"][number];
