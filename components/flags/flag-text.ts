/**
 * Feature flags in words (issue 9): what a variation does, what a rule serves, what a change changed, why a
 * user got a variation. Shared by the flags pages and the user page.
 */
import { FLAGS, isFlagKey, ROLLOUT_TOTAL, type FlagKey, type FlagValue, type LdFlag } from "@/lib/domain/feature-flags";

import type { FlagValueJson } from "@/lib/api-contract/flag-evaluations";

/** What each variation does, per flag: the consequence a confirmation names ("imports are refused"). */
const MEANINGS: { [K in FlagKey]: Record<`${FlagValue<K>}`, string> } = {
  "bulk-import": { true: "imports are available", false: "imports are refused" },
  "users-table-density": {
    compact: "the users table is drawn compact",
    comfortable: "the users table is drawn comfortable",
    spacious: "the users table is drawn spacious",
  },
  "ops-read-only-mode": { true: "changes are refused", false: "changes work as usual" },
};

export function valueLabel(value: FlagValueJson): string {
  return String(value);
}

/** "false: imports are refused", or just the value for a flag this UI does not know. */
export function valueWithMeaning(key: string, value: FlagValueJson): string {
  const meaning = meaningOf(key, value);
  return meaning ? `${valueLabel(value)}: ${meaning}` : valueLabel(value);
}

export function meaningOf(key: string, value: FlagValueJson): string | undefined {
  if (!isFlagKey(key)) return undefined;
  const meanings: Record<string, string> = MEANINGS[key];
  return meanings[String(value)];
}

/** The variation at `index` in words, or a placeholder for an index the flag does not have. */
export function variationLabel(variations: readonly FlagValueJson[], index: number): string {
  const value = variations[index];
  return value === undefined ? `variation ${index} (missing)` : valueLabel(value);
}

type Serve = LdFlag["fallthrough"];

/** Percentages as people write them: "33.333 %", "50 %". */
export function percentOf(weight: number): string {
  return `${Number(((weight * 100) / ROLLOUT_TOTAL).toFixed(3))} %`;
}

/** "spacious", or "compact 30 %, comfortable 70 %" for a rollout (zero shares left out). */
export function describeServe(serve: Serve, variations: readonly FlagValueJson[]): string {
  if ("variation" in serve) return variationLabel(variations, serve.variation);
  const shares = serve.rollout.variations.filter((entry) => entry.weight > 0);
  if (shares.length === 1 && shares[0]?.weight === ROLLOUT_TOTAL) return variationLabel(variations, shares[0].variation);
  return shares.map((entry) => `${variationLabel(variations, entry.variation)} ${percentOf(entry.weight)}`).join(", ");
}

const ATTRIBUTE_LABELS: Record<string, string> = { key: "user id", role: "role", emailDomain: "email domain", status: "status" };
const OPERATOR_LABELS: Record<string, [string, string]> = {
  in: ["is one of", "is not one of"],
  startsWith: ["starts with", "does not start with"],
  endsWith: ["ends with", "does not end with"],
  contains: ["contains", "does not contain"],
};

export function attributeLabel(attribute: string): string {
  return ATTRIBUTE_LABELS[attribute] ?? attribute;
}

export function operatorLabel(op: string, negate: boolean): string {
  const labels = OPERATOR_LABELS[op];
  if (!labels) return negate ? `not ${op}` : op;
  return labels[negate ? 1 : 0];
}

type Rule = LdFlag["rules"][number];

/** "role is one of VIEWER, EDITOR and email domain ends with example.com → spacious". */
export function describeRule(rule: Rule, variations: readonly FlagValueJson[]): string {
  const clauses = rule.clauses
    .map((clause) => `${attributeLabel(clause.attribute)} ${operatorLabel(clause.op, clause.negate)} ${clause.values.join(", ")}`)
    .join(" and ");
  const serve = "variation" in rule ? variationLabel(variations, rule.variation) : describeServe({ rollout: rule.rollout }, variations);
  return `${clauses} → ${serve}`;
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** One line for a version of a flag: "On · default: spacious · 1 target · no rules". */
export function describeFlag(flag: LdFlag): string {
  const targets = flag.targets.reduce((sum, target) => sum + target.values.length, 0);
  if (!flag.on) return `Off · everyone gets ${variationLabel(flag.variations, flag.offVariation)}`;
  return [
    "On",
    `default: ${describeServe(flag.fallthrough, flag.variations)}`,
    targets === 0 ? "no individual targets" : plural(targets, "individual target", "individual targets"),
    flag.rules.length === 0 ? "no rules" : plural(flag.rules.length, "rule", "rules"),
  ].join(" · ");
}

/** What changed from one version to the next, one phrase per part ("turned off", "default rule: a → b"). */
export function describeChange(before: LdFlag | null, after: LdFlag): string[] {
  if (!before) return [`created: ${describeFlag(after)}`];
  const changes: string[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (before.on !== after.on) changes.push(after.on ? "turned on" : "turned off");
  if (before.offVariation !== after.offVariation) {
    changes.push(`while off: ${variationLabel(before.variations, before.offVariation)} → ${variationLabel(after.variations, after.offVariation)}`);
  }
  if (!same(before.fallthrough, after.fallthrough)) {
    changes.push(`default rule: ${describeServe(before.fallthrough, before.variations)} → ${describeServe(after.fallthrough, after.variations)}`);
  }
  if (!same(before.targets, after.targets)) {
    const count = (flag: LdFlag) => flag.targets.reduce((sum, target) => sum + target.values.length, 0);
    changes.push(`individual targets: ${count(before)} → ${count(after)}`);
  }
  if (!same(before.rules, after.rules)) changes.push(`rules: ${before.rules.length} → ${after.rules.length}`);
  return changes.length > 0 ? changes : ["saved unchanged"];
}

const ACTIONS: Record<string, string> = { "flag.created": "Created", "flag.updated": "Changed", "flag.reverted": "Reverted" };

export function actionLabel(action: string): string {
  return ACTIONS[action] ?? action;
}

/** Why a user got their variation, from the SDK's reason kind (GET /api/v1/users/{id}/flags). */
export function describeReason(reason: string, errorCode?: string): string {
  switch (reason) {
    case "OFF":
      return "The flag is off: everyone gets its off variation.";
    case "TARGET_MATCH":
      return "Listed individually among the flag's targets.";
    case "RULE_MATCH":
      return "Matched one of the flag's rules (role, email domain, status or user id).";
    case "FALLTHROUGH":
      return "The default rule: no individual target or rule applies to this user.";
    case "ERROR":
      return `The flag could not be evaluated${errorCode ? ` (${errorCode})` : ""}: the code's fallback applies.`;
    case "PREREQUISITE_FAILED":
      return "A flag this one depends on did not give the required variation: the off variation applies.";
    default:
      return reason;
  }
}

/** The declared fallback of a flag, in words, when the UI knows the flag. */
export function fallbackOf(key: string): string | undefined {
  return isFlagKey(key) ? valueLabel(FLAGS[key].fallback) : undefined;
}
