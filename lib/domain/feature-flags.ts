/**
 * The app's feature flags (issue 9), declared once: key, kind, variations and the value the code falls back to
 * when the flag cannot be evaluated. Stored and evaluated in LaunchDarkly's own flag shape ({@link LdFlag}), so
 * the SDK evaluates local flags exactly as the service would, and moving them to LaunchDarkly is a copy.
 */
import * as z from "./zod";

export const TABLE_DENSITIES = ["compact", "comfortable", "spacious"] as const;
export type TableDensity = (typeof TABLE_DENSITIES)[number];

interface Declaration<V extends boolean | string> {
  readonly description: string;
  /** The variations in the order a new flag gets them; a flag's variations are indexed by position. */
  readonly variations: readonly V[];
  /** What the code uses when the flag cannot be evaluated (unknown flag, SDK not ready, wrong type). */
  readonly fallback: V;
  /** The variation every context gets while a new flag is on and has no targeting. */
  readonly initial: V;
  /** The variation served while the flag is off: the feature's "off" (the kill switch of its toggle). */
  readonly off: V;
  /**
   * A flag meant to stay in the code (an operational kill switch), never marked stale however long it serves one
   * variation: LaunchDarkly's "permanent" flags. Release flags are temporary.
   */
  readonly permanent?: boolean;
}

export const FLAGS = {
  "bulk-import": {
    description: "CSV imports in the UI and the API (off: the API answers 404 and the UI hides Imports).",
    variations: [true, false],
    fallback: true,
    initial: true,
    off: false,
  },
  "users-table-density": {
    description: "How densely the users table is drawn.",
    variations: TABLE_DENSITIES,
    fallback: "comfortable",
    initial: "comfortable",
    off: "comfortable",
  },
  "ops-read-only-mode": {
    description: "Kill switch for incidents: on, every call that would change data answers 503 with Retry-After.",
    variations: [true, false],
    fallback: false,
    initial: false,
    off: false,
    permanent: true,
  },
} as const satisfies Record<string, Declaration<boolean> | Declaration<string>>;

export type FlagKey = keyof typeof FLAGS;
export const FLAG_KEYS = Object.keys(FLAGS) as FlagKey[];
/** The value type of a flag: `boolean`, or the union of its string variations. */
export type FlagValue<K extends FlagKey> = (typeof FLAGS)[K]["variations"][number];

/** The flags that turn a feature on or off. */
export type BooleanFlagKey = { [K in FlagKey]: FlagValue<K> extends boolean ? K : never }[FlagKey];

export function isFlagKey(key: string): key is FlagKey {
  return Object.hasOwn(FLAGS, key);
}

/** Weights of a rollout are in thousandths of a percent, as in LaunchDarkly: they sum to 100,000. */
export const ROLLOUT_TOTAL = 100_000;

const variationIndex = z.int().check(z.minimum(0));

const rollout = z.strictObject({
  variations: z
    .array(z.strictObject({ variation: variationIndex, weight: z.int().check(z.minimum(0), z.maximum(ROLLOUT_TOTAL)) }))
    .check(z.minLength(1)),
  bucketBy: z.optional(z.string()),
});

/** Serve one variation, or split contexts among several by weight. */
const variationOrRollout = z.union([z.strictObject({ variation: variationIndex }), z.strictObject({ rollout })]);

/** The context attributes rules may test, and the operators the UI offers (a subset of LaunchDarkly's). */
export const RULE_ATTRIBUTES = ["key", "role", "emailDomain", "status"] as const;
export const RULE_OPERATORS = ["in", "endsWith", "startsWith", "contains"] as const;

const clause = z.strictObject({
  contextKind: z._default(z.literal("user"), "user"),
  attribute: z.enum(RULE_ATTRIBUTES),
  op: z.enum(RULE_OPERATORS),
  values: z.array(z.string().check(z.maxLength(320))).check(z.minLength(1), z.maxLength(1000)),
  negate: z._default(z.boolean(), false),
});

const rule = z.intersection(
  z.strictObject({
    id: z.string().check(z.minLength(1), z.maxLength(100)),
    description: z.optional(z.string().check(z.maxLength(200))),
    clauses: z.array(clause).check(z.minLength(1), z.maxLength(20)),
  }),
  z.union([z.object({ variation: variationIndex }), z.object({ rollout })]),
);

/**
 * A flag as LaunchDarkly stores it (its "flag JSON"): the fields its evaluator reads. What the SDK needs but we do
 * not edit (prerequisites, salt, client-side availability) is filled in by {@link toSdkFlag}.
 */
export const ldFlagSchema = z.strictObject({
  key: z.string(),
  version: z.int().check(z.minimum(1)),
  on: z.boolean(),
  variations: z.array(z.union([z.boolean(), z.string().check(z.minLength(1), z.maxLength(100))])).check(z.minLength(2)),
  offVariation: variationIndex,
  fallthrough: variationOrRollout,
  targets: z
    .array(z.strictObject({ values: z.array(z.string().check(z.maxLength(320))).check(z.maxLength(10_000)), variation: variationIndex }))
    .check(z.maxLength(50)),
  rules: z.array(rule).check(z.maxLength(50)),
});
export type LdFlag = z.infer<typeof ldFlagSchema>;

/** A flag as it is first created from its declaration: on, everyone on the initial variation. */
export function initialFlag(key: FlagKey): LdFlag {
  const declared: Declaration<boolean | string> = FLAGS[key];
  const initial = declared.variations.indexOf(declared.initial);
  const off = declared.variations.indexOf(declared.off);
  return {
    key,
    version: 1,
    on: true,
    variations: [...declared.variations],
    offVariation: off,
    fallthrough: { variation: initial },
    targets: [],
    rules: [],
  };
}

/**
 * What is wrong with `flag` as a flag of `key`, or an empty list: its variations must be the declared ones (the
 * code reads only those), every variation index must exist, and every rollout must sum to 100 %.
 */
export function flagProblems(key: FlagKey, flag: LdFlag): string[] {
  const problems: string[] = [];
  const declared: readonly (boolean | string)[] = FLAGS[key].variations;
  if (flag.key !== key) problems.push(`key must be ${key}`);
  if (flag.variations.length !== declared.length || flag.variations.some((value, i) => value !== declared[i])) {
    problems.push(`variations must be ${JSON.stringify(declared)}`);
  }
  const checkIndex = (where: string, index: number) => {
    if (index >= flag.variations.length) problems.push(`${where}: there is no variation ${index}`);
  };
  const checkServe = (where: string, serve: { variation: number } | { rollout: z.infer<typeof rollout> }) => {
    if ("variation" in serve) return checkIndex(where, serve.variation);
    serve.rollout.variations.forEach((entry, i) => checkIndex(`${where}.rollout.variations.${i}`, entry.variation));
    const sum = serve.rollout.variations.reduce((total, entry) => total + entry.weight, 0);
    if (sum !== ROLLOUT_TOTAL) problems.push(`${where}: rollout weights must sum to 100 % (they sum to ${sum / 1000} %)`);
  };
  checkIndex("offVariation", flag.offVariation);
  checkServe("fallthrough", flag.fallthrough);
  flag.targets.forEach((target, i) => checkIndex(`targets.${i}`, target.variation));
  flag.rules.forEach((entry, i) => checkServe(`rules.${i}`, entry));
  return problems;
}

/** The flag JSON the SDK takes (TestData, the file data source): ours plus the fields it requires. */
export function toSdkFlag(flag: LdFlag): Record<string, unknown> {
  return {
    ...flag,
    targets: flag.targets.map((target) => ({ ...target, contextKind: "user" })),
    contextTargets: [],
    prerequisites: [],
    salt: flag.key,
    trackEvents: false,
    trackEventsFallthrough: false,
    deleted: false,
  };
}

/**
 * The variation most contexts get and its share in thousandths of a percent (of {@link ROLLOUT_TOTAL}), judged by
 * the default rule (or the off variation when the flag is off): what the flags page shows as "serving".
 * Individual targets and rules are exceptions to it and are not counted.
 */
export function dominantVariation(flag: LdFlag): { variation: number; weight: number } {
  if (!flag.on) return { variation: flag.offVariation, weight: ROLLOUT_TOTAL };
  const serve = flag.fallthrough;
  if ("variation" in serve) return { variation: serve.variation, weight: ROLLOUT_TOTAL };
  const top = serve.rollout.variations.reduce((best, entry) => (entry.weight > best.weight ? entry : best));
  return { variation: top.variation, weight: top.weight };
}

/**
 * The parts of a flag an admin changes (a JSON merge patch of these fields: PATCH /api/v1/flags/{key}); the
 * key, variations and version are the code's and the store's.
 */
export const flagChangeSchema = z.partial(z.pick(ldFlagSchema, { on: true, offVariation: true, fallthrough: true, targets: true, rules: true }));
export type FlagChange = z.infer<typeof flagChangeSchema>;

/** Audit actions of a flag's history. */
export const FLAG_AUDIT_ACTIONS = { created: "flag.created", updated: "flag.updated", reverted: "flag.reverted" } as const;
