/** Feature flags (issue 9): /api/v1/flags, each flag's definition and history (what a user gets: ./flag-evaluations.ts). */
import * as z from "../domain/zod";

import { MAX_AUDIT_PAGE_SIZE } from "../domain/audit";
import { flagChangeSchema, ldFlagSchema, ROLLOUT_TOTAL } from "../domain/feature-flags";
import { timestamp } from "./common";
import { flagKey, flagValue } from "./flag-evaluations";

export const flagKeyParams = z.strictObject({ key: z.string().check(z.minLength(1), z.maxLength(100)) });

/** PATCH /api/v1/flags/{key}: a JSON merge patch of the flag's editable fields (lib/domain/feature-flags.ts). */
export const patchFlagBody = flagChangeSchema.check(
  z.refine((patch) => Object.keys(patch).length > 0, "Send at least one of on, offVariation, fallthrough, targets, rules"),
  z.meta({ example: { on: false } }),
);

export const revertFlagBody = z
  .strictObject({ version: z.int().check(z.minimum(1), z.meta({ description: "The version in the flag's history to put back" })) })
  .check(z.meta({ example: { version: 3 } }));

/** GET /api/v1/flags/{key}/history: its answer is an audit page (./audit.ts). */
export const flagHistoryQuery = z.strictObject({
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(MAX_AUDIT_PAGE_SIZE)), 50),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(500))),
});

/** LaunchDarkly's flag JSON as this app stores it (the shape of its own flag data). */
// Inline, not a component: a nullable $ref has no type of its own, which Scalar's store refuses.
const flagDefinition = ldFlagSchema.check(
  z.meta({
    description:
      "The flag in LaunchDarkly's flag JSON shape: `on`; `variations` (fixed by the code); `offVariation` (served while " +
      "off); `fallthrough` (a variation, or a rollout whose weights in thousandths of a percent sum to " +
      `${ROLLOUT_TOTAL}); \`targets\` (user ids given one variation); \`rules\` (clauses on key, role, emailDomain, status).`,
  }),
);

export const flagResponse = z
  .strictObject({
    key: flagKey,
    description: z.string(),
    variations: z.array(flagValue),
    fallback: flagValue.check(z.meta({ description: "What the code uses when the flag cannot be evaluated" })),
    managedBy: z.enum(["local", "launchdarkly"]).check(
      z.meta({
        description: "`local`: stored here, changed with PATCH; `launchdarkly`: changed on LaunchDarkly, read-only here",
      }),
    ),
    version: z
      .nullable(z.int().check(z.minimum(1)))
      .check(z.meta({ description: "The ETag is this number in quotes; null with LaunchDarkly" })),
    definition: z.nullable(flagDefinition),
    serving: z
      .nullable(z.strictObject({ variation: flagValue, percent: z.number().check(z.minimum(0), z.maximum(100)) }))
      .check(z.meta({ description: "The variation most contexts get by the default rule (or while off), and its share" })),
    lastChange: z.nullable(
      z.strictObject({
        action: z.string().check(z.meta({ examples: ["flag.updated"] })),
        actor: z.string().check(z.meta({ description: "Email, token name or `system`" })),
        at: timestamp,
      }),
    ),
    lastEvaluatedOn: z.nullable(z.iso.date()).check(z.meta({ description: "The last day (UTC) any replica evaluated the flag" })),
    stale: z.nullable(z.strictObject({ reason: z.string().check(z.meta({ examples: ["served only false for 30 days"] })) })).check(
      z.meta({
        description:
          "Set when the flag, unchanged for FLAG_STALE_DAYS (30) days, was not evaluated in that time or served one variation only: a candidate for removal from the code",
      }),
    ),
  })
  .check(z.meta({ id: "Flag" }));

export const flagListResponse = z.strictObject({ items: z.array(flagResponse) }).check(z.meta({ id: "FlagList" }));

export type FlagJson = z.output<typeof flagResponse>;
