/** Feature flags (issue 9): /api/v1/flags, each flag's definition and history (what a user gets: ./flag-evaluations.ts). */
import { z } from "zod";

import { MAX_AUDIT_PAGE_SIZE } from "../domain/audit";
import { flagChangeSchema, ldFlagSchema, ROLLOUT_TOTAL } from "../domain/feature-flags";
import { timestamp } from "./common";
import { flagKey, flagValue } from "./flag-evaluations";

export const flagKeyParams = z.strictObject({ key: z.string().min(1).max(100) });

/** PATCH /api/v1/flags/{key}: a JSON merge patch of the flag's editable fields (lib/domain/feature-flags.ts). */
export const patchFlagBody = flagChangeSchema
  .refine((patch) => Object.keys(patch).length > 0, "Send at least one of on, offVariation, fallthrough, targets, rules")
  .meta({ example: { on: false } });

export const revertFlagBody = z
  .strictObject({ version: z.int().min(1).meta({ description: "The version in the flag's history to put back" }) })
  .meta({ example: { version: 3 } });

/** GET /api/v1/flags/{key}/history: its answer is an audit page (./audit.ts). */
export const flagHistoryQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_AUDIT_PAGE_SIZE).default(50),
  cursor: z.string().min(1).max(500).optional(),
});

/** LaunchDarkly's flag JSON as this app stores it (the shape of its own flag data). */
// Inline, not a component: a nullable $ref has no type of its own, which Scalar's store refuses.
const flagDefinition = ldFlagSchema.meta({
  description:
    "The flag in LaunchDarkly's flag JSON shape: `on`; `variations` (fixed by the code); `offVariation` (served while " +
    "off); `fallthrough` (a variation, or a rollout whose weights in thousandths of a percent sum to " +
    `${ROLLOUT_TOTAL}); \`targets\` (user ids given one variation); \`rules\` (clauses on key, role, emailDomain, status).`,
});

export const flagResponse = z
  .strictObject({
    key: flagKey,
    description: z.string(),
    variations: z.array(flagValue),
    fallback: flagValue.meta({ description: "What the code uses when the flag cannot be evaluated" }),
    managedBy: z.enum(["local", "launchdarkly"]).meta({
      description: "`local`: stored here, changed with PATCH; `launchdarkly`: changed on LaunchDarkly, read-only here",
    }),
    version: z.int().min(1).nullable().meta({ description: "The ETag is this number in quotes; null with LaunchDarkly" }),
    definition: flagDefinition.nullable(),
    serving: z
      .strictObject({ variation: flagValue, percent: z.number().min(0).max(100) })
      .nullable()
      .meta({ description: "The variation most contexts get by the default rule (or while off), and its share" }),
    lastChange: z
      .strictObject({
        action: z.string().meta({ examples: ["flag.updated"] }),
        actor: z.string().meta({ description: "Email, token name or `system`" }),
        at: timestamp,
      })
      .nullable(),
    lastEvaluatedOn: z.iso.date().nullable().meta({ description: "The last day (UTC) any replica evaluated the flag" }),
    stale: z
      .strictObject({ reason: z.string().meta({ examples: ["served only false for 30 days"] }) })
      .nullable()
      .meta({
        description:
          "Set when the flag, unchanged for FLAG_STALE_DAYS (30) days, was not evaluated in that time or served one variation only: a candidate for removal from the code",
      }),
  })
  .meta({ id: "Flag" });

export const flagListResponse = z.strictObject({ items: z.array(flagResponse) }).meta({ id: "FlagList" });

export type FlagJson = z.output<typeof flagResponse>;
