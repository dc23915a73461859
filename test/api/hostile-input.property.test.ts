/**
 * The hostile-input suite (test/api/hostile-input.suite.ts: what it sends and what it asserts) against the
 * in-memory app, 60 runs per route, and the suite's own checks: its generators reach past validation, and its
 * oracle can say no. Replay a failure with the command it prints, e.g.
 *
 *   HOSTILE_SEED=1234 HOSTILE_PATH="17:3:0" npx vitest run --project unit test/api/hostile-input.property.test.ts -t 'POST /api/v1/session:'
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";

import { createApiHarness, fastTestHasher, ORIGIN } from "../support/api-harness";
import { queryPairsOf, searchOf, validShaped } from "../support/hostile-arbitraries";
import { CROSS_ORIGIN, definitionOf, describeHostileInput, keyOf, ROUTES, SEED, violationsOf } from "./hostile-input.suite";

describeHostileInput("in-memory", () => createApiHarness({ hasher: fastTestHasher }), {
  file: "test/api/hostile-input.property.test.ts",
});

// ---------------------------------------------------------------------------------------------------------------
// The suite's own checks: generators that reach past validation, and an oracle that can say no.

describe("hostile-input generators and oracle", () => {
  it("valid-shaped inputs mostly pass their schema (else the properties would only ever test refusals)", () => {
    for (const route of ROUTES) {
      const definition = definitionOf(route);
      for (const part of ["body", "query", "params"] as const) {
        const schema = definition[part];
        if (!schema) continue;
        const samples = fc.sample(validShaped(schema), { numRuns: 200, seed: SEED });
        const passing = samples.filter((value) => z.safeParse(schema, asReceived(part, value)).success).length;
        expect(passing / samples.length, `${keyOf(route)} ${part}: ${passing}/200 valid`).toBeGreaterThanOrEqual(0.3);
      }
    }
  });

  const context = (headers: Record<string, string> = {}) => ({
    method: "POST",
    access: { method: "POST" as const, path: "/api/v1/x", access: "users:write" as const, tokens: true },
    sentHeaders: new Headers({ host: new URL(ORIGIN).host, origin: ORIGIN, ...headers }),
    secrets: ["s3cr3t-token-value-0123456789"],
    validBearer: "Bearer s3cr3t-token-value-0123456789",
    validCookie: "uc_session=cookie-secret-0123456789",
    codeStatus: new Map<string, number>(),
  });
  const problem = (status: number, code: string, extra: object = {}) =>
    new Response(JSON.stringify({ type: "urn:x", title: "t", status, code, ...extra }), {
      status,
      headers: { "content-type": "application/problem+json" },
    });

  it.each([
    ["a 500 problem", problem(500, "INTERNAL"), {}, /never cause a server error/],
    ["a 4xx as text/html", new Response("<h1>no</h1>", { status: 400, headers: { "content-type": "text/html" } }), {}, /not application\/problem\+json/],
    ["a problem whose status differs", problem(422, "VALIDATION_FAILED", { status: 400 }), {}, /differs from the HTTP status/],
    ["an unknown code", problem(400, "oops"), {}, /not one of the API's error codes/],
    ["a stack trace", problem(400, "MALFORMED_JSON", { detail: "Error\n    at read (/app/lib/http/read-body.ts:12:3)" }), {}, /matches/],
    ["SQL text", problem(409, "USER_EMAIL_TAKEN", { detail: 'INSERT INTO "User" failed' }), {}, /matches/],
    ["the token it was sent", Response.json({ echo: "s3cr3t-token-value-0123456789" }), { authorization: "Bearer s3cr3t-token-value-0123456789" }, /repeats a secret/],
    ["broken JSON", new Response("{", { status: 200, headers: { "content-type": "application/json" } }), { authorization: "Bearer s3cr3t-token-value-0123456789" }, /not JSON/],
    ["a 2xx for no credentials", Response.json({}), {}, /without credentials/],
    ["a 2xx for a cross-origin cookie mutation", Response.json({}), { origin: CROSS_ORIGIN, cookie: "uc_session=cookie-secret-0123456789" }, /CSRF/],
  ])("flags %s", async (_, response, headers, expected) => {
    const problems = await violationsOf(response, context(headers));
    expect(problems.join("\n")).toMatch(expected);
  });

  it("passes a proper problem and a proper success", async () => {
    expect(await violationsOf(problem(422, "VALIDATION_FAILED"), context())).toEqual([]);
    expect(await violationsOf(Response.json({ ok: true }), context({ authorization: "Bearer s3cr3t-token-value-0123456789" }))).toEqual([]);
  });
});

/** A generated value as the route's parser sees it: bodies through JSON, queries through a URL, params as given. */
function asReceived(part: "body" | "query" | "params", value: unknown): unknown {
  if (part === "body") return JSON.parse(JSON.stringify(value) ?? "null");
  if (part === "params") return value;
  const search = new URL(`${ORIGIN}/x${searchOf({ pairs: queryPairsOf(value) })}`).searchParams;
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(search.keys())) {
    const values = search.getAll(key);
    out[key] = values.length === 1 ? (values[0] ?? "") : values;
  }
  return out;
}

