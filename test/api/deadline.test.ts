/**
 * The request deadline of the route wrapper, in memory: a handler that has not answered by REQUEST_TIMEOUT_MS
 * gets 504 problem+json, and the signal its use cases were given is aborted with the same reason.
 */
import { describe, expect, it } from "vitest";

import { registerApp } from "../../lib/app-registry";
import { createInMemoryApp } from "../../lib/composition-root";
import { route, json } from "../../lib/http/route";
import { ORIGIN } from "../support/api-harness";

/**
 * One request to a handler of the test's on an app whose deadline is `timeoutMs`: `answer` is given the signal the
 * wrapper hands to use cases, and what it resolves to is the JSON answered.
 */
async function callWithDeadline(timeoutMs: number, answer: (signal: AbortSignal | undefined) => Promise<unknown>): Promise<Response> {
  const { app } = await createInMemoryApp({ config: { REQUEST_TIMEOUT_MS: timeoutMs } });
  registerApp(app);
  // A public route of the table, so no sign-in is needed.
  const handle = route({
    method: "POST",
    path: "/api/v1/invitations/accept",
    access: "public",
    summary: "A handler of the test's",
    tag: "Invitations",
    responses: {},
    async handler({ anonymous }) {
      return json(await answer(anonymous.signal));
    },
  });
  return handle(
    new Request(`${ORIGIN}/api/v1/invitations/accept`, {
      method: "POST",
      headers: { origin: ORIGIN, host: "localhost:3000", "content-type": "application/json" },
      body: "{}",
    }),
  );
}

describe("the request deadline", () => {
  it("answers 504 DEADLINE_EXCEEDED when the handler outlives it, and aborts the signal handed to use cases", async () => {
    let seen: AbortSignal | undefined;
    // The handler waits for its signal only.
    const response = await callWithDeadline(50, async (signal) => {
      seen = signal;
      return new Promise<never>(() => {});
    });
    expect(response.status).toBe(504);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(await response.json()).toMatchObject({ code: "DEADLINE_EXCEEDED", status: 504 });
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toMatchObject({ code: "DEADLINE_EXCEEDED", deadlineMs: 50 });
  });

  it("lets a handler that answers in time through, its signal never aborted", async () => {
    let seen: AbortSignal | undefined;
    const response = await callWithDeadline(60_000, async (signal) => {
      seen = signal;
      return { ok: true };
    });
    expect(response.status).toBe(200);
    expect(seen?.aborted).toBe(false);
  });
});
