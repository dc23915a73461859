/**
 * The request deadline of the route wrapper, in memory: a handler that has not answered by REQUEST_TIMEOUT_MS
 * gets 504 problem+json, and the signal its use cases were given is aborted with the same reason.
 */
import { describe, expect, it } from "vitest";

import { registerApp } from "../../lib/app-registry";
import { createInMemoryApp } from "../../lib/composition-root";
import { route, json } from "../../lib/http/route";
import { ORIGIN } from "../support/api-harness";

describe("the request deadline", () => {
  it("answers 504 DEADLINE_EXCEEDED when the handler outlives it, and aborts the signal handed to use cases", async () => {
    const { app } = await createInMemoryApp({ config: { REQUEST_TIMEOUT_MS: 50 } });
    registerApp(app);
    let seen: AbortSignal | undefined;
    // A public route of the table, so no sign-in is needed; the handler waits for its signal only.
    const stuck = route({
      method: "POST",
      path: "/api/v1/invitations/accept",
      access: "public",
      summary: "A handler of the test's",
      tag: "Invitations",
      responses: {},
      async handler({ anonymous }) {
        seen = anonymous.signal;
        await new Promise<never>(() => {});
        return json({});
      },
    });
    const response = await stuck(
      new Request(`${ORIGIN}/api/v1/invitations/accept`, {
        method: "POST",
        headers: { origin: ORIGIN, host: "localhost:3000", "content-type": "application/json" },
        body: "{}",
      }),
    );
    expect(response.status).toBe(504);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(await response.json()).toMatchObject({ code: "DEADLINE_EXCEEDED", status: 504 });
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toMatchObject({ code: "DEADLINE_EXCEEDED", deadlineMs: 50 });
  });

  it("lets a handler that answers in time through, its signal never aborted", async () => {
    const { app } = await createInMemoryApp({ config: { REQUEST_TIMEOUT_MS: 60_000 } });
    registerApp(app);
    let seen: AbortSignal | undefined;
    const quick = route({
      method: "POST",
      path: "/api/v1/invitations/accept",
      access: "public",
      summary: "A handler of the test's",
      tag: "Invitations",
      responses: {},
      async handler({ anonymous }) {
        seen = anonymous.signal;
        return json({ ok: true });
      },
    });
    const response = await quick(
      new Request(`${ORIGIN}/api/v1/invitations/accept`, {
        method: "POST",
        headers: { origin: ORIGIN, host: "localhost:3000", "content-type": "application/json" },
        body: "{}",
      }),
    );
    expect(response.status).toBe(200);
    expect(seen?.aborted).toBe(false);
  });
});
