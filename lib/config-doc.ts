/**
 * The configuration as Markdown: docs/configuration.md is this function's output (`npm run docs:config` writes it,
 * and a test fails when the file and the schema disagree). Everything it shows comes from the schema in
 * lib/config.ts, through zod's own JSON Schema conversion of what the environment may hold: each variable's
 * description (its `.meta`), its default, and the values it accepts where the schema can say them.
 */
import { z } from "zod";

import { configSchema } from "./config";

type Property = z.core.JSONSchema.JSONSchema;

/** Numbers bounded only by what JavaScript can count are unbounded to a reader. */
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

export function renderConfigurationDoc(): string {
  const document = z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" });
  const rows = Object.entries(document.properties ?? {}).map(([name, property]) => {
    if (typeof property === "boolean" || typeof property.description !== "string" || property.description === "") {
      throw new Error(`${name} has no description: give its schema in lib/config.ts .meta({ description: "..." })`);
    }
    return `| \`${name}\` | ${defaultOf(property)} | ${cell(allowedValues(property))} | ${cell(property.description)} |`;
  });
  const lines = [
    "# Configuration",
    "",
    "<!-- Generated from lib/config.ts by `npm run docs:config`; do not edit by hand. -->",
    "",
    "Read once at start-up from the environment and validated (`lib/config.ts`); a bad value stops the process with a",
    "message naming the variable. Each description is written on the variable's schema in `lib/config.ts`, and this",
    "page is rendered from it.",
    "",
    "The OpenTelemetry SDK reads the standard `OTEL_*` variables itself: [operations.md](operations.md#tracing).",
    "",
    "| Variable | Default | Allowed | Description |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
  ];
  return lines.join("\n");
}

function defaultOf(property: Property): string {
  if (!("default" in property)) return "unset";
  const value = property.default;
  if (value === "") return "(empty)";
  return `\`${String(value)}\``;
}

/** What the schema says a value must be, in words; empty where it can say nothing (a refinement, a transform). */
function allowedValues(property: Property): string {
  if (Array.isArray(property.enum)) return enumValues(property.enum).map((value) => `\`${String(value)}\``).join(", ");
  if (property.type === "integer" || property.type === "number") {
    const kind = property.type === "integer" ? "integer" : "number";
    const { minimum: min, maximum: max } = property;
    if (min !== undefined && max !== undefined && max < UNBOUNDED) return `${kind}, ${min} to ${max}`;
    if (min !== undefined) return `${kind}, at least ${min}`;
    if (max !== undefined && max < UNBOUNDED) return `${kind}, at most ${max}`;
    return kind;
  }
  if (property.format === "email") return "an email address";
  if (property.format === "uri") return "a URL";
  if (typeof property.pattern === "string") return `matches \`${property.pattern}\``;
  const { minLength: min, maxLength: max } = property;
  if (max !== undefined) return `${min ?? 0} to ${max} characters`;
  if (min !== undefined && min > 1) return `at least ${min} characters`;
  return "";
}

/**
 * Words before numbers: a zod enum keeps its values as an object's keys, where JavaScript puts integer-like keys
 * first, so `["true", "false", "1", "0"]` would read `0, 1, true, false`.
 */
function enumValues(values: readonly unknown[]): unknown[] {
  const integerLike = (value: unknown) => typeof value === "string" && /^\d+$/.test(value);
  return [...values.filter((value) => !integerLike(value)), ...values.filter(integerLike)];
}

/** A table cell: a `|` would end it. */
function cell(text: string): string {
  return text.replaceAll("|", "\\|");
}
