import { z } from "zod";

import { HttpProblem } from "./problem";

export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Reads a JSON body: refused with 415 unless it is sent as application/json, 413 past 1 MB (by Content-Length
 * or while streaming, so a lying header cannot get more through), 400 when it is not JSON, and 422 naming each
 * field when it does not match the schema (unknown fields included: schemas are strict objects).
 */
export async function readJsonBody<S extends z.core.$ZodType>(request: Request, schema: S): Promise<z.infer<S>> {
  const type = mediaTypeOf(request);
  if (!isJsonMediaType(type)) {
    throw new HttpProblem(
      "UNSUPPORTED_MEDIA_TYPE",
      `Expected content-type application/json (or a JSON type such as application/merge-patch+json), got ${type ?? "none"}`,
    );
  }
  const text = await readText(request);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new HttpProblem("MALFORMED_JSON", "The body could not be parsed as JSON");
  }
  return parseInput(schema, json, "body");
}

/** The request's media type, lower-case, without parameters; undefined without a Content-Type. */
export function mediaTypeOf(request: Request): string | undefined {
  return request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
}

/**
 * application/json and the JSON-based types (`application/<something>+json`: merge-patch+json for PATCH). An
 * HTML form can send none of them, which the CSRF check relies on.
 */
export function isJsonMediaType(type: string | undefined): boolean {
  return type === "application/json" || (type !== undefined && /^application\/[a-z0-9.+-]+\+json$/.test(type));
}

/**
 * Validates any input (body, query, path, header) and turns zod's issues into field errors. Text holding NUL
 * (U+0000) is refused first, for every input at once: PostgreSQL cannot store it in a text column, so it would
 * otherwise fail deep in the database as a 500.
 */
export function parseInput<S extends z.core.$ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  const path = pathToNul(value);
  if (path) {
    const message = "Text must not contain NUL (U+0000) characters";
    throw new HttpProblem("VALIDATION_FAILED", `Invalid ${where}: ${path.length ? `${path.join(".")}: ` : ""}${message}`, [
      { path, message },
    ]);
  }
  const result = z.safeParse(schema, value);
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => ({
    path: issue.path.map((key) => (typeof key === "symbol" ? String(key) : key)),
    message: issue.message,
  }));
  const summary = errors.map((e) => (e.path.length ? `${e.path.join(".")}: ${e.message}` : e.message)).join("; ");
  throw new HttpProblem("VALIDATION_FAILED", `Invalid ${where}: ${summary}`, errors);
}

async function readText(request: Request): Promise<string> {
  const body = await readBytes(request, MAX_BODY_BYTES, tooLarge);
  // fatal: a body that is not UTF-8 is malformed, not silently repaired with U+FFFD.
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch {
    throw new HttpProblem("MALFORMED_JSON", "The body is not UTF-8 text");
  }
}

/**
 * The request body's bytes, refused with `tooLarge()` past `limit`: by Content-Length at once, or while
 * streaming, so a lying header cannot get more through.
 */
export async function readBytes(request: Request, limit: number, tooLarge: () => Error): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) throw tooLarge();
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}

function tooLarge() {
  return new HttpProblem("BODY_TOO_LARGE", "Send at most 1 MB (1,048,576 bytes)");
}

/**
 * The path to the first string (or object key) in `value` that holds a NUL character, or null. Walks with a
 * stack of its own, not recursion (JSON.parse accepts nesting far deeper than the call stack allows), and each
 * entry links to its parent, so the path is built only when one is found (linear in the input's size).
 */
function pathToNul(value: unknown): (string | number)[] | null {
  interface Entry {
    value: unknown;
    key: string | number | null;
    parent: Entry | null;
  }
  const pathOf = (entry: Entry | null, last?: string): (string | number)[] => {
    const path: (string | number)[] = last === undefined ? [] : [last];
    for (let at = entry; at !== null && at.key !== null; at = at.parent) path.unshift(at.key);
    return path;
  };
  const pending: Entry[] = [{ value, key: null, parent: null }];
  for (let entry = pending.pop(); entry !== undefined; entry = pending.pop()) {
    const current = entry.value;
    if (typeof current === "string") {
      if (current.includes("\u0000")) return pathOf(entry);
    } else if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index--) pending.push({ value: current[index], key: index, parent: entry });
    } else if (current !== null && typeof current === "object") {
      for (const [key, item] of Object.entries(current)) {
        if (key.includes("\u0000")) return pathOf(entry, key);
        pending.push({ value: item, key, parent: entry });
      }
    }
  }
  return null;
}
