import { createHash } from "node:crypto";

import { actorOf } from "../domain/auth";
import { IdempotencyKeyReusedError } from "../domain/errors";
import type { Repositories } from "../ports/unit-of-work";
import type { CallContext } from "./call-context";

/** How long a key is remembered: a retry after this runs again (Stripe keeps keys 24 hours, as here). */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;

/** How a result is stored as JSON and brought back (dates, say, do not survive JSON on their own). */
export interface ResultCodec<T> {
  toJson(value: T): unknown;
  fromJson(json: unknown): T;
}

/**
 * Runs `work` once per (caller, key): inside the caller's unit of work, it holds the key, replays the stored
 * result when the same request was made before with it, refuses a different request with it, and otherwise runs
 * `work` and stores its result in the same transaction. A concurrent request with the same key waits for this
 * one's unit of work to end, then replays its result.
 *
 * @param operation names what is done (`user.create`); with the input it makes the request's fingerprint.
 * @throws IdempotencyKeyReusedError when the key was used with another operation or input.
 */
export async function runOnce<T>(
  repos: Pick<Repositories, "idempotency">,
  request: { key: string; operation: string; input: unknown; context: CallContext; now: Date },
  codec: ResultCodec<T>,
  work: () => Promise<T>,
): Promise<{ value: T; replayed: boolean }> {
  const actor = actorOf(request.context.principal);
  const scope = `${actor.type}:${actor.id ?? actor.label}`;
  const fingerprint = createHash("sha256")
    .update(JSON.stringify([request.operation, canonical(request.input)]))
    .digest("hex");
  const notBefore = new Date(request.now.getTime() - IDEMPOTENCY_KEY_TTL_MS);
  const stored = await repos.idempotency.claim(scope, request.key, { notBefore });
  if (stored) {
    if (stored.fingerprint !== fingerprint) throw new IdempotencyKeyReusedError(request.key);
    return { value: codec.fromJson(stored.result), replayed: true };
  }
  const value = await work();
  const record = { scope, key: request.key, fingerprint, result: codec.toJson(value), createdAt: request.now };
  await repos.idempotency.save(record, { expiredBefore: notBefore });
  return { value, replayed: false };
}

/** The value with object keys sorted, so `{a, b}` and `{b, a}` are the same request. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, entry]) => entry !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, entry]) => [key, canonical(entry)]),
    );
  }
  return value;
}
