/**
 * The live console's hub (issue 21): a stream says when this process hears what commits, so the API answers a
 * stream only once every change committed after the answer will be on it.
 */
import { describe, expect, it } from "vitest";

import type { Principal } from "../domain/auth";
import type { LiveChange, LiveChangeSource } from "../ports/live-changes";
import { createConcurrencySlots } from "./concurrency-slots";
import { makeLiveChanges } from "./live-changes";

const admin: Principal = { kind: "token", tokenId: "00000000-0000-4000-8000-000000000001", name: "t1", role: "ADMIN" };
const context = { principal: admin, requestId: null, traceId: null };
const caps = { perPrincipal: 5, perProcess: 10, retryAfterSeconds: 1 };

/** A source whose subscription takes effect when the test says (a LISTEN still connecting). */
function slowSource() {
  let heard: ((changes: readonly LiveChange[] | null) => void) | undefined;
  let connected!: () => void;
  const ready = new Promise<void>((resolve) => (connected = resolve));
  const source: LiveChangeSource = {
    async subscribe(onChanges) {
      await ready;
      heard = onChanges;
      return { close: async () => undefined };
    },
  };
  return { source, connected, commit: (change: LiveChange) => heard?.([change]) };
}

const settled = async (promise: Promise<unknown>) => {
  let done = false;
  void promise.then(() => (done = true));
  // Past every microtask and timer of this turn.
  await new Promise((resolve) => setTimeout(resolve, 0));
  return done;
};

describe("live changes: a stream's listening", () => {
  it("settles once the source listens, and the changes after it are on the stream", async () => {
    const { source, connected, commit } = slowSource();
    const live = makeLiveChanges({ source, slots: createConcurrencySlots("test", caps) });
    const stream = live.watch(null, { signal: new AbortController().signal, stillAllowed: async () => true }, context);
    expect(await settled(stream.listening)).toBe(false);
    connected();
    await stream.listening;
    const change: LiveChange = { type: "user.created", subject: { type: "user", id: "u1" } };
    commit(change);
    expect(await stream.next()).toMatchObject({ kind: "change", change });
    // A second stream finds the source listening already.
    const second = live.watch(null, { signal: new AbortController().signal, stillAllowed: async () => true }, context);
    expect(await settled(second.listening)).toBe(true);
    stream.close();
    second.close();
    await live.close();
  });

  it("settles, without rejecting, when the source cannot listen; the next stream tries again", async () => {
    let tries = 0;
    const source: LiveChangeSource = {
      subscribe: async () => {
        tries++;
        throw new Error("database down");
      },
    };
    const live = makeLiveChanges({ source, slots: createConcurrencySlots("test", caps) });
    const stream = live.watch(null, { signal: new AbortController().signal, stillAllowed: async () => true }, context);
    await expect(stream.listening).resolves.toBeUndefined();
    const next = live.watch(null, { signal: new AbortController().signal, stillAllowed: async () => true }, context);
    await next.listening;
    expect(tries).toBe(2);
    stream.close();
    next.close();
  });
});
