/**
 * fast-check arbitraries for test/api/hostile-input.property.test.ts: the parts of a request (body, query, path
 * parameter, header values), each a mix of values shaped like a route's zod schema and hand-picked hostile ones.
 *
 * Why from JSON Schema: zod-fast-check (0.10.1, the library for this) supports zod 3 and fast-check 3 only; its
 * zod 4 port is an unmerged pull request (DavidTimms/zod-fast-check#27, issue #22), and no other maintained
 * package maps zod 4 schemas to fast-check arbitraries (zocker supports zod 4 but generates with faker, outside
 * fast-check's seed, replay and shrinking). zod 4 exports its own JSON Schema (`z.toJSONSchema`, input side), so
 * `fromJsonSchema` below maps that: the smallest mapping that covers what our schemas use (objects with required
 * and optional keys, strings with lengths, patterns and date-times, integers and numbers with bounds, enums,
 * consts, unions, arrays). What it does not know it answers with any JSON value: refinements (`.refine`) do not
 * reach JSON Schema, so a "valid-shaped" value may still be refused by the route; test
 * "valid-shaped inputs mostly pass their schema" in the suite keeps that honest.
 */
import fc from "fast-check";
import { z } from "zod";

import { MAX_BODY_BYTES } from "../../lib/http/read-body";

type JsonSchema = z.core.JSONSchema.JSONSchema;

/**
 * What an answer must never show: a stack frame, a source file and line, node_modules, SQL, the ORM or driver,
 * socket errors. Every generated string is kept clear of these (`isClean`), so a match in an answer came from the
 * server, not from an echo of the request or of data an earlier request stored.
 */
export const LEAK_PATTERNS: readonly RegExp[] = [
  /\n\s*at \S/, // a stack frame on its own line
  / {4}at /,
  /\.[cm]?[jt]sx?:\d+/, // file.ts:12
  /node_modules/,
  /\b(?:lib|app|server|test)\/[\w/.-]+\.(?:ts|tsx|js|mjs|cjs)\b/,
  /\bSELECT\s/,
  /\bINSERT\s/,
  /\bUPDATE\s+\S+\s+SET\b/,
  /\bDELETE\s+FROM\b/,
  /prisma/i,
  /\bP[1-6]\d{3}\b/, // Prisma error codes (P2002, ...)
  /\bECONN[A-Z]*/,
  /\bpglite\b/i,
  /violates .* constraint|duplicate key value|syntax error at or near|relation "[^"]*" does not exist/,
  /\b(?:TypeError|ReferenceError|RangeError|SyntaxError|ZodError)\b/,
];

export function leakIn(text: string): RegExp | undefined {
  return LEAK_PATTERNS.find((pattern) => pattern.test(text));
}

function isClean(value: unknown): boolean {
  if (typeof value === "string") return leakIn(value) === undefined;
  if (value instanceof Huge) return leakIn(value.unit) === undefined;
  if (Array.isArray(value)) return value.every(isClean);
  if (value !== null && typeof value === "object") {
    return Object.entries(value).every(([key, inner]) => isClean(key) && isClean(inner));
  }
  return true;
}

/**
 * A long string that fast-check prints as `huge(n)` in a counterexample (not n characters of noise) and that
 * serialises as itself (JSON.stringify calls toJSON; template strings call toString).
 */
export class Huge {
  constructor(
    readonly length: number,
    readonly unit = "x",
  ) {}

  get value(): string {
    return this.unit.repeat(this.length);
  }

  toJSON(): string {
    return this.value;
  }

  toString(): string {
    return this.value;
  }

  [fc.toStringMethod](): string {
    return this.unit === "x" ? `huge(${this.length})` : `huge(${this.length}, ${JSON.stringify(this.unit)})`;
  }
}

export type Text = string | Huge;

export function textOf(value: Text): string {
  return typeof value === "string" ? value : value.value;
}

// ---------------------------------------------------------------------------------------------------------------
// Hand-picked nasties

export const LONE_SURROGATES = ["\uD800", "\uDBFF", "\uDC00", "\uDFFF"] as const;

const NASTY_STRINGS: readonly string[] = [
  "",
  " ",
  "   ",
  "\u0000",
  "a\u0000b",
  "\uD800",
  "x\uDFFFx",
  "\uDBFF\uDFFF",
  "\uFEFF",
  "\u202Eevil",
  "\u00A0",
  "e\u0301",
  "\u{1F4A9}",
  "\u{1D54F}",
  "\r\n",
  "\t",
  "null",
  "undefined",
  "NaN",
  "Infinity",
  "-1",
  "0",
  "-0",
  "1e309",
  "0x10",
  "9007199254740993",
  "true",
  "[]",
  "{}",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "../../../etc/passwd",
  "..%2f..%2f",
  "%00",
  "%ZZ",
  "%",
  "<script>alert(1)</script>",
  "' or '1'='1",
  "1; drop table users; --",
  "${jndi:ldap://127.0.0.1/a}",
  "{{7*7}}",
  "admin@example.com\u0000.evil",
  "ADMIN",
  "*",
  "\\",
  '"',
  "'",
  "`",
];

/** Strings a field should refuse or survive: empty, control and format characters, lone surrogates, huge. */
export const nastyString: fc.Arbitrary<Text> = fc
  .oneof(
    { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
    { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
    { weight: 2, arbitrary: fc.string({ unit: "binary-ascii", maxLength: 40 }) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.string({ maxLength: 8 }), fc.constantFrom(...LONE_SURROGATES), fc.string({ maxLength: 8 }))
        .map(([before, surrogate, after]) => before + surrogate + after),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom<Text>(new Huge(10_000), new Huge(20_000, "\u00E9"), new Huge(5_000, "\u{1F4A9}")),
    },
  )
  .filter(isClean);

/** An own property, even for `__proto__` (an object literal or plain assignment would set the prototype). */
function withOwn(target: object, key: string, value: unknown): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...target };
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

/** `[[[...]]]`, printed as `nested(depth)` (fast-check's printer recurses and would overflow the stack). */
function nestedArray(depth: number): unknown {
  let value: unknown[] = [];
  for (let i = 0; i < depth; i++) value = [value];
  return Object.defineProperty(value, fc.toStringMethod, { value: () => `nested(${depth})`, enumerable: false });
}

export const HOSTILE_KEYS = ["__proto__", "constructor", "prototype", "isAdmin", "role", "id", "version", ""] as const;

/** A value of any wrong type: strings, numbers, booleans, null, arrays, objects, prototype keys, deep nesting. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: nastyString },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.constantFrom(-1, 0, 1.5, 1e308, -0, Number.MAX_SAFE_INTEGER + 2) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constantFrom(null, [], {}, [null], [""]) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).filter(isClean) },
  { weight: 1, arbitrary: fc.constantFrom(100, 1_000).map(nestedArray) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...HOSTILE_KEYS), fc.jsonValue({ maxDepth: 2 }).filter(isClean))
      .map(([key, value]) => withOwn({}, key, value)),
  },
);

// ---------------------------------------------------------------------------------------------------------------
// Values shaped like a schema

/** The input side of a zod schema as JSON Schema (transforms and defaults as the client sends them). */
export function jsonSchemaOf(schema: z.core.$ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
}

const anyJson: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 2 }).filter(isClean);

/** Values shaped like `schema`: mostly valid, except for what JSON Schema cannot say (refinements). */
export function validShaped(schema: z.core.$ZodType): fc.Arbitrary<unknown> {
  return fromJsonSchema(jsonSchemaOf(schema));
}

export function fromJsonSchema(schema: JsonSchema | boolean): fc.Arbitrary<unknown> {
  if (typeof schema === "boolean") return schema ? anyJson : fc.constant(undefined);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives && alternatives.length > 0) return fc.oneof(...alternatives.map((part) => fromJsonSchema(part)));
  // An intersection (allOf): approximated by its first part; no schema of ours has one yet.
  if (schema.allOf?.[0]) return fromJsonSchema(schema.allOf[0]);
  const type = schema.type;
  if (Array.isArray(type)) return fc.oneof(...type.map((one) => fromJsonSchema({ ...schema, type: one })));
  switch (type) {
    case "string":
      return stringOf(schema);
    case "integer":
      return fc.integer(boundsOf(schema, 1));
    case "number":
      return fc.double({ ...boundsOf(schema, Number.EPSILON), noNaN: true, noDefaultInfinity: true });
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array":
      return arrayOf(schema);
    case "object":
      return objectOf(schema);
    default:
      // `{}`: z.unknown(), something unrepresentable, or a $ref into a recursive schema.
      return anyJson;
  }
}

function boundsOf(schema: JsonSchema, step: number): { min: number; max: number } {
  const lowest = typeof schema.exclusiveMinimum === "number" ? schema.exclusiveMinimum + step : schema.minimum;
  const highest = typeof schema.exclusiveMaximum === "number" ? schema.exclusiveMaximum - step : schema.maximum;
  const min = Math.max(lowest ?? -1_000_000, Number.MIN_SAFE_INTEGER);
  return { min, max: Math.min(highest ?? Math.max(min, 0) + 1_000_000, Number.MAX_SAFE_INTEGER) };
}

function stringOf(schema: JsonSchema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = schema.maxLength ?? minLength + 64;
  const fits = (value: string) => value.length >= minLength && value.length <= maxLength && isClean(value);
  if (schema.format === "date-time") {
    // Dates as real clients send them, past and future (a token's expiry must lie ahead).
    return fc
      .date({ min: new Date("1970-01-01T00:00:00.000Z"), max: new Date("2200-01-01T00:00:00.000Z"), noInvalidDate: true })
      .map((date) => date.toISOString());
  }
  const pattern = schema.pattern ? regExpOf(schema.pattern) : null;
  if (pattern) return fc.stringMatching(pattern, { maxLength }).filter(fits);
  return fc.string({ unit: "grapheme", minLength, maxLength: Math.min(maxLength, minLength + 32) }).filter(fits);
}

function regExpOf(pattern: string): RegExp | null {
  try {
    return new RegExp(pattern);
  } catch {
    return null;
  }
}

function arrayOf(schema: JsonSchema): fc.Arbitrary<unknown> {
  if (schema.prefixItems) return fc.tuple(...schema.prefixItems.map((item) => fromJsonSchema(item)));
  const items = Array.isArray(schema.items) ? true : (schema.items ?? true);
  const minLength = schema.minItems ?? 0;
  return fc.array(fromJsonSchema(items), { minLength, maxLength: Math.min(schema.maxItems ?? minLength + 5, minLength + 5) });
}

function objectOf(schema: JsonSchema): fc.Arbitrary<unknown> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, property] of Object.entries(schema.properties ?? {})) model[key] = fromJsonSchema(property);
  const requiredKeys = (schema.required ?? []).filter((key) => key in model);
  const record = fc.record(model, { requiredKeys });
  const extra = schema.additionalProperties;
  if (extra === undefined || typeof extra === "boolean" || Object.keys(model).length > 0) return record;
  // A z.record(): keys from propertyNames, values from additionalProperties.
  const keys = schema.propertyNames && typeof schema.propertyNames === "object" ? stringOf(schema.propertyNames) : fc.string();
  return fc.dictionary(keys, fromJsonSchema(extra), { maxKeys: 5 });
}

/** Values just past a property's limits: one character too long, empty, out of range, enum-adjacent. */
function pastLimits(schema: JsonSchema | boolean): unknown[] {
  if (typeof schema === "boolean") return [];
  const out: unknown[] = [];
  if (schema.maxLength !== undefined) {
    out.push(new Huge(schema.maxLength + 1), new Huge(schema.maxLength + 1, "\u{1F4A9}"));
  }
  if (schema.minLength !== undefined && schema.minLength > 0) out.push("", " ".repeat(schema.minLength));
  if (schema.maximum !== undefined) out.push(schema.maximum + 1, String(schema.maximum + 1));
  if (schema.minimum !== undefined) out.push(schema.minimum - 1, schema.minimum + 0.5);
  const first = schema.enum?.[0];
  if (typeof first === "string") out.push(first.toLowerCase(), ` ${first}`, `${first}\u0000`);
  if (schema.format === "date-time") out.push("2026-02-30T00:00:00Z", "9999-12-31T23:59:59.999999999+99:99", "0");
  for (const part of schema.anyOf ?? []) out.push(...pastLimits(part));
  return out;
}

function propertiesOf(schema: JsonSchema): Record<string, JsonSchema | boolean> {
  return schema.properties ?? {};
}

/**
 * An object shaped like `schema` with one thing wrong: a property set to a wrong or out-of-range value, a
 * required one dropped, or an extra key (prototype keys included).
 */
function mutatedObject(schema: JsonSchema): fc.Arbitrary<unknown> {
  const properties = propertiesOf(schema);
  const keys = Object.keys(properties);
  const base = fromJsonSchema(schema);
  const mutations: fc.Arbitrary<unknown>[] = [
    fc.tuple(base, fc.constantFrom(...HOSTILE_KEYS), nastyValue).map(([value, key, bad]) => withOwn(objectOrEmpty(value), key, bad)),
    base.map((value) => [value]),
  ];
  if (keys.length > 0) {
    const wrongValue = fc.constantFrom(...keys).chain((key) => {
      const limits = pastLimits(properties[key] ?? true);
      const bad = limits.length > 0 ? fc.oneof(nastyValue, fc.constantFrom(...limits)) : nastyValue;
      return fc.tuple(fc.constant(key), bad);
    });
    mutations.push(
      fc.tuple(base, wrongValue).map(([value, [key, bad]]) => withOwn(objectOrEmpty(value), key, bad)),
      fc.tuple(base, fc.constantFrom(...keys)).map(([value, key]) => {
        const copy = { ...objectOrEmpty(value) };
        delete copy[key];
        return copy;
      }),
    );
  }
  return fc.oneof(...mutations);
}

function objectOrEmpty(value: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) out[key] = inner;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Bodies

/** A request body, described so that a counterexample prints short and the request is built at run time. */
export type BodySpec =
  | { kind: "none" }
  | { kind: "json"; value: unknown }
  | { kind: "text"; text: string }
  | { kind: "bytes"; bytes: Uint8Array<ArrayBuffer> }
  | { kind: "oversized"; bytes: number }
  | { kind: "nested"; depth: number; open: "[" | '{"a":' };

const NASTY_BODY_TEXTS: readonly string[] = [
  "",
  " ",
  "{",
  "}",
  "[",
  "null",
  "true",
  "0",
  "-0",
  "1e999",
  '"text"',
  "[]",
  "{}",
  '{"a":1,}',
  "{'a':1}",
  "{a:1}",
  '{"a":1}{"b":2}',
  "\uFEFF{}",
  "NaN",
  "undefined",
  '{"__proto__":{"role":"ADMIN","isAdmin":true}}',
  '{"constructor":{"prototype":{"role":"ADMIN"}}}',
  '{"prototype":{}}',
  '{"role":"VIEWER","role":"ADMIN"}',
  '"\\ud800"',
  '{"name":"\\ud800","email":"\\udfff@example.com"}',
  '{"name":"\\u0000"}',
  '{"a":"\\x41"}',
  "\u0000",
  "<user/>",
  "email=a%40example.com&role=ADMIN",
  "--x\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--x--",
  `{"a":${"1".repeat(400)}}`,
  `[${"1,".repeat(10_000)}1]`,
  `{${Array.from({ length: 2_000 }, (_, i) => `"k${i}":${i}`).join(",")}}`,
];

const INVALID_UTF8: readonly Uint8Array<ArrayBuffer>[] = [
  Uint8Array.from([0xff, 0xfe]),
  Uint8Array.from([0xc0, 0xaf]),
  Uint8Array.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]), // {"a":"<CESU-8 surrogate>"}
  Uint8Array.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe2, 0x82, 0x22, 0x7d]), // truncated sequence
  Uint8Array.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), // BOM + {}
];

/** Bodies for a route: shaped like its schema, one thing wrong, any JSON, not JSON, not UTF-8, too big, too deep. */
export function hostileBody(schema: z.core.$ZodType | undefined): fc.Arbitrary<BodySpec> {
  const json = (value: fc.Arbitrary<unknown>) => value.map((v): BodySpec => ({ kind: "json", value: v }));
  const shaped = schema ? jsonSchemaOf(schema) : undefined;
  return fc.oneof(
    ...(shaped
      ? [
          { weight: 5, arbitrary: json(fromJsonSchema(shaped)) },
          { weight: 5, arbitrary: json(mutatedObject(shaped)) },
        ]
      : []),
    { weight: 2, arbitrary: json(nastyValue) },
    { weight: 1, arbitrary: fc.constant<BodySpec>({ kind: "none" }) },
    { weight: 2, arbitrary: fc.constantFrom(...NASTY_BODY_TEXTS).map((text): BodySpec => ({ kind: "text", text })) },
    {
      weight: 1,
      arbitrary: fc.string({ unit: "binary", maxLength: 60 }).filter(isClean).map((text): BodySpec => ({ kind: "text", text })),
    },
    {
      weight: 1,
      arbitrary: fc
        .oneof(fc.constantFrom(...INVALID_UTF8), fc.uint8Array({ maxLength: 32 }))
        .map((bytes): BodySpec => ({ kind: "bytes", bytes })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(MAX_BODY_BYTES + 1, MAX_BODY_BYTES, 4 * MAX_BODY_BYTES)
        .map((bytes): BodySpec => ({ kind: "oversized", bytes })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(1_000, 100_000), fc.constantFrom<"[" | '{"a":'>("[", '{"a":'))
        .map(([depth, open]): BodySpec => ({ kind: "nested", depth, open })),
    },
  );
}

/** The bytes or text to send for a body spec (undefined: no body). */
export function bodyPayload(body: BodySpec): string | Uint8Array<ArrayBuffer> | undefined {
  switch (body.kind) {
    case "none":
      return undefined;
    case "json":
      return JSON.stringify(body.value) ?? "";
    case "text":
      return body.text;
    case "bytes":
      return body.bytes;
    case "oversized": {
      const wrapper = '{"name":""}';
      return `{"name":"${"x".repeat(body.bytes - wrapper.length)}"}`;
    }
    case "nested":
      return body.open === "["
        ? "[".repeat(body.depth) + "]".repeat(body.depth)
        : body.open.repeat(body.depth) + "1" + "}".repeat(body.depth);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Query strings

/** A query string as name/value pairs (serialised with URLSearchParams), or raw text put after the `?`. */
export type QuerySpec = { pairs: [string, Text][] } | { raw: string };

/** A value shaped like a query schema as name/value pairs (arrays repeat the name). */
export function queryPairsOf(value: unknown): [string, Text][] {
  const out: [string, Text][] = [];
  for (const [key, inner] of Object.entries(objectOrEmpty(value))) {
    for (const one of Array.isArray(inner) ? inner : [inner]) {
      if (one === undefined) continue;
      out.push([key, one instanceof Huge || typeof one === "string" ? one : one === null ? "" : JSON.stringify(one)]);
    }
  }
  return out;
}

const RAW_QUERY_PARTS: readonly string[] = [
  "=",
  "&",
  "&&",
  "%",
  "%ZZ",
  "%E0%A4%A",
  "%C0%AF",
  "%00",
  "%FF%FE",
  "%ED%A0%80",
  "+",
  "a[]=1",
  "a[b]=1",
  "__proto__=1",
  "__proto__[role]=ADMIN",
  "__proto__=a&__proto__=b",
  "constructor=x",
  "constructor[prototype][role]=ADMIN",
  "toString=1",
  "hasOwnProperty=1",
  ";",
  "#frag",
  "??",
  "%%",
  "%2",
  "%u0041",
];

/** Query strings: shaped like the schema, one parameter wrong, repeated or empty, or percent-encoding garbage. */
export function hostileQuery(schema: z.core.$ZodType | undefined): fc.Arbitrary<QuerySpec> {
  const shaped = schema ? jsonSchemaOf(schema) : undefined;
  const names = shaped ? Object.keys(propertiesOf(shaped)) : [];
  const pairs = (value: fc.Arbitrary<[string, Text][]>) => value.map((p): QuerySpec => ({ pairs: p }));
  const name = names.length > 0 ? fc.oneof(fc.constantFrom(...names), fc.constantFrom(...HOSTILE_KEYS)) : fc.constantFrom(...HOSTILE_KEYS);
  const bad: fc.Arbitrary<Text> = fc.oneof(nastyString, fc.constantFrom("", "1.5", "-1", "0", "1e3", "99999999999999999999", "true"));
  const choices: fc.Arbitrary<QuerySpec>[] = [
    fc.constant<QuerySpec>({ pairs: [] }),
    pairs(fc.array(fc.tuple(name, bad), { maxLength: 4 })),
    fc
      .array(fc.oneof(fc.constantFrom(...RAW_QUERY_PARTS), fc.tuple(name, fc.constantFrom(...RAW_QUERY_PARTS)).map(([k, v]) => `${k}=${v}`)), {
        minLength: 1,
        maxLength: 5,
      })
      .map((parts): QuerySpec => ({ raw: parts.join("&") })),
  ];
  if (shaped) {
    const valid = fromJsonSchema(shaped).map(queryPairsOf);
    choices.push(
      pairs(valid),
      pairs(valid),
      // One parameter wrong, or sent twice, or the whole set twice.
      pairs(fc.tuple(valid, fc.array(fc.tuple(name, bad), { minLength: 1, maxLength: 2 })).map(([good, wrong]) => [...good, ...wrong])),
      pairs(valid.map((good) => [...good, ...good])),
    );
  }
  return fc.oneof(...choices);
}

/** Query strings shaped like the schema, nothing else. */
export function validQuery(schema: z.core.$ZodType): fc.Arbitrary<QuerySpec> {
  return validShaped(schema).map((value): QuerySpec => ({ pairs: queryPairsOf(value) }));
}

/** The `?...` part of a URL for a query spec ("" for none). */
export function searchOf(query: QuerySpec): string {
  if ("raw" in query) return `?${query.raw}`;
  if (query.pairs.length === 0) return "";
  return `?${new URLSearchParams(query.pairs.map(([key, value]): [string, string] => [key, textOf(value)])).toString()}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Path parameters and headers

/** A path parameter as a route handler receives it (already percent-decoded): shaped like the schema, or garbage. */
export function hostileParam(schema: JsonSchema | boolean | undefined): fc.Arbitrary<Text> {
  const shaped = schema === undefined ? fc.string({ minLength: 1, maxLength: 40 }) : fromJsonSchema(schema).map((v) => (typeof v === "string" ? v : JSON.stringify(v) ?? ""));
  return fc.oneof(
    { weight: 3, arbitrary: shaped.filter(isClean) },
    { weight: 3, arbitrary: nastyString },
    { weight: 1, arbitrary: fc.uuid() },
    {
      weight: 1,
      arbitrary: fc.constantFrom<Text>(
        "00000000-0000-0000-0000-000000000000",
        "ffffffff-ffff-ffff-ffff-ffffffffffff",
        "1",
        "-1",
        "1.5",
        "%2e%2e",
        "a/b",
        "..",
        "new",
        "me",
        new Huge(101),
        new Huge(2_000),
      ),
    },
  );
}

/** Text a header may carry (the Fetch API refuses NUL, CR, LF and anything above U+00FF, as HTTP parsers do). */
export const headerText: fc.Arbitrary<string> = fc
  .string({
    unit: fc
      .integer({ min: 0x20, max: 0xff })
      .filter((code) => code !== 0x7f)
      .map((code) => String.fromCharCode(code)),
    maxLength: 60,
  })
  .filter(isClean);

/** fast-check's numbers as a replayable seed; a fresh one per run of the file unless HOSTILE_SEED says. */
export function seedFrom(env: string | undefined): number {
  if (env !== undefined && env.trim() !== "") {
    const seed = Number(env);
    if (!Number.isInteger(seed)) throw new Error(`HOSTILE_SEED must be an integer, got ${JSON.stringify(env)}`);
    return seed;
  }
  return (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0;
}
