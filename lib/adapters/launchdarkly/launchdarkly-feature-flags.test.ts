/**
 * Targeting and rollouts through the real LaunchDarkly SDK (issue 9: no SDK mock): our stored flag JSON fed to
 * its TestData source, and the same JSON unchanged in its file data source, evaluate alike.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { initialFlag, toSdkFlag, type LdFlag } from "../../domain/feature-flags";
import type { FeatureFlags, FlagContext } from "../../ports/feature-flags";
import { createLogger } from "../pino/logger";
import { createLaunchDarklyFeatureFlags } from "./launchdarkly-feature-flags";

const log = createLogger({ LOG_LEVEL: "silent" });
const opened: FeatureFlags[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((flags) => flags.close()));
});

async function local(...flags: LdFlag[]) {
  const created = createLaunchDarklyFeatureFlags({ kind: "local", flags }, log);
  opened.push(created);
  await created.waitUntilReady();
  return created;
}

const ada: FlagContext = { key: "0190a3e0-0000-7000-8000-000000000001", role: "ADMIN", emailDomain: "example.com", status: "ACTIVE" };
const bob: FlagContext = { key: "0190a3e0-0000-7000-8000-000000000002", role: "VIEWER", emailDomain: "partner.test", status: "ACTIVE" };

/** A density flag with targeting on every level: a target, a rule on role, a rule on email domain, a rollout. */
function targetedDensity(): LdFlag {
  return {
    ...initialFlag("users-table-density"),
    version: 2,
    targets: [{ values: [bob.key], variation: 2 }],
    rules: [
      { id: "admins", clauses: [{ contextKind: "user", attribute: "role", op: "in", values: ["ADMIN"], negate: false }], variation: 0 },
      {
        id: "partners",
        clauses: [{ contextKind: "user", attribute: "emailDomain", op: "endsWith", values: ["partner.test"], negate: false }],
        variation: 1,
      },
    ],
    fallthrough: { rollout: { variations: [{ variation: 0, weight: 25_000 }, { variation: 2, weight: 75_000 }] } },
  };
}

describe("feature flags through the LaunchDarkly SDK", () => {
  it("serves a new flag's initial variation to everyone, and the off variation while it is off", async () => {
    const flags = await local(initialFlag("bulk-import"), { ...initialFlag("ops-read-only-mode"), on: false });
    expect(flags.initialized()).toBe(true);
    expect(await flags.evaluate("bulk-import", ada)).toEqual({ value: true, variationIndex: 0, reason: "FALLTHROUGH" });
    expect(await flags.evaluate("ops-read-only-mode", bob)).toEqual({ value: false, variationIndex: 1, reason: "OFF" });
  });

  it("applies individual targets first, then rules in order, then the rollout", async () => {
    const flags = await local(targetedDensity());
    // Bob is listed individually, although his domain would match the second rule.
    expect(await flags.evaluate("users-table-density", bob)).toMatchObject({ value: "spacious", reason: "TARGET_MATCH" });
    expect(await flags.evaluate("users-table-density", ada)).toMatchObject({ value: "compact", reason: "RULE_MATCH" });
    const partner = { key: "someone-else", role: "EDITOR", emailDomain: "eu.partner.test" } as const;
    expect(await flags.evaluate("users-table-density", partner)).toMatchObject({ value: "comfortable", reason: "RULE_MATCH" });
  });

  it("splits the rest by the rollout's weights, each context always in the same bucket", async () => {
    const flags = await local(targetedDensity());
    const contexts = Array.from({ length: 2_000 }, (_, i) => ({ key: `user-${i}`, role: "EDITOR" as const, emailDomain: "example.com" }));
    const served = await Promise.all(contexts.map((context) => flags.evaluate("users-table-density", context)));
    const compact = served.filter((evaluation) => evaluation.value === "compact").length;
    expect(served.every((evaluation) => evaluation.reason === "FALLTHROUGH")).toBe(true);
    expect(served.every((evaluation) => evaluation.value === "compact" || evaluation.value === "spacious")).toBe(true);
    // 25 %, within what hashing 2,000 keys varies by.
    expect(compact / contexts.length).toBeGreaterThan(0.22);
    expect(compact / contexts.length).toBeLessThan(0.28);
    const again = await Promise.all(contexts.map((context) => flags.evaluate("users-table-density", context)));
    expect(again.map((evaluation) => evaluation.value)).toEqual(served.map((evaluation) => evaluation.value));
  });

  it("sees a changed flag at the next evaluation", async () => {
    const flags = await local(initialFlag("ops-read-only-mode"));
    expect((await flags.evaluate("ops-read-only-mode", ada)).value).toBe(false);
    await flags.apply({ ...initialFlag("ops-read-only-mode"), version: 2, fallthrough: { variation: 0 } });
    expect(await flags.evaluate("ops-read-only-mode", ada)).toEqual({ value: true, variationIndex: 0, reason: "FALLTHROUGH" });
  });

  it("answers the declared fallback, with an error code, for a flag it does not have or a value not declared", async () => {
    const flags = await local({ ...initialFlag("users-table-density"), variations: ["dense", "airy"], fallthrough: { variation: 0 } });
    expect(await flags.evaluate("users-table-density", ada)).toEqual({
      value: "comfortable",
      variationIndex: null,
      reason: "ERROR",
      errorCode: "WRONG_VALUE",
    });
    expect(await flags.evaluate("bulk-import", ada)).toMatchObject({ value: true, variationIndex: null, reason: "ERROR", errorCode: "FLAG_NOT_FOUND" });
  });

  it("evaluates the stored JSON alike in the SDK's file data source, which proves it is LaunchDarkly's shape", async () => {
    const stored = [targetedDensity(), { ...initialFlag("ops-read-only-mode"), on: false }, initialFlag("bulk-import")];
    const dir = await mkdtemp(path.join(tmpdir(), "flags-"));
    let fromFile: FeatureFlags | undefined;
    try {
      const file = path.join(dir, "flags.json");
      // The file data source takes flags exactly as LaunchDarkly serves them, keyed by flag key.
      await writeFile(file, JSON.stringify({ flags: Object.fromEntries(stored.map((flag) => [flag.key, toSdkFlag(flag)])) }));
      fromFile = createLaunchDarklyFeatureFlags({ kind: "file", paths: [file] }, log);
      await fromFile.waitUntilReady();
      expect(fromFile.initialized()).toBe(true);
      expect(await fromFile.evaluate("users-table-density", ada)).toMatchObject({ value: "compact", reason: "RULE_MATCH" });
      const fromTestData = await local(...stored);
      const contexts: FlagContext[] = [ada, bob, ...Array.from({ length: 200 }, (_, i) => ({ key: `user-${i}`, role: "EDITOR" as const }))];
      for (const key of ["users-table-density", "ops-read-only-mode", "bulk-import"] as const) {
        for (const context of contexts) {
          expect(await fromFile.evaluate(key, context)).toEqual(await fromTestData.evaluate(key, context));
        }
      }
    } finally {
      await fromFile?.close(); // before the file goes: it is watched
      await rm(dir, { recursive: true, force: true });
    }
  });
});
