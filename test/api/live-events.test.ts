/**
 * GET /api/v1/events (issue 21): the live console's stream, in memory, through the route handler as Next runs it.
 * A frame arrives for each change committed, among what the caller may read; a reconnect resumes after its
 * Last-Event-ID; the stream counts against the import streams' caps and ends with the caller's session.
 */
import { afterEach, describe, expect, it } from "vitest";

import { IMPORT_EVENT_STREAM_CAPS } from "../../lib/use-cases/watch-import";
import { createApiHarness, fastTestHasher } from "../support/api-harness";
import { sseFrames } from "../support/sse-frames";

const PASSWORD = "correct horse battery";
const opened: { close(): Promise<void> }[] = [];
const readers: ReadableStreamDefaultReader<Uint8Array>[] = [];
const frames = (response: Response) => sseFrames(response, readers);
afterEach(async () => {
  for (const reader of readers.splice(0)) await reader.cancel().catch(() => undefined);
  for (const harness of opened.splice(0)) await harness.close();
});

async function harness() {
  // Seconds between credential checks would make the sign-out test slow: 50 ms here.
  const api = await createApiHarness({ hasher: fastTestHasher, importTimings: { streamRecheckMs: 50 } });
  opened.push(api);
  await api.createUser({ email: "admin@staff.example", role: "ADMIN", password: PASSWORD });
  await api.createUser({ email: "viewer@staff.example", role: "VIEWER", password: PASSWORD });
  return {
    api,
    admin: await api.signIn("admin@staff.example", PASSWORD),
    viewer: await api.signIn("viewer@staff.example", PASSWORD),
  };
}

describe("GET /api/v1/events", () => {
  it("sends each committed change the caller may read: a VIEWER hears of users, not of API tokens", async () => {
    const { api, admin, viewer } = await harness();
    const adminStream = await api.call("GET", "/api/v1/events", { cookie: admin });
    expect(adminStream.status).toBe(200);
    expect(adminStream.headers.get("content-type")).toBe("text/event-stream");
    const adminFrames = sseFrames(adminStream);
    const viewerFrames = frames(await api.call("GET", "/api/v1/events", { cookie: viewer }));

    const token = await api.call("POST", "/api/v1/tokens", { cookie: admin, body: { name: "ci", role: "VIEWER" } });
    expect(token.status).toBe(201);
    const created = await api.call("POST", "/api/v1/users", { cookie: admin, body: { email: "ada@example.com", name: "Ada", role: "VIEWER" } });
    const { id } = (await created.json()) as { id: string };

    const tokenId = ((await token.json()) as { token: { id: string } }).token.id;
    expect(await adminFrames.next()).toMatchObject({ event: "change", data: JSON.stringify({ type: "token.created", subject: { type: "token", id: tokenId } }) });
    expect(await adminFrames.next()).toMatchObject({ event: "change", data: JSON.stringify({ type: "user.created", subject: { type: "user", id } }) });
    // The VIEWER's first frame is the user: the token was left out.
    expect(await viewerFrames.next()).toMatchObject({ event: "change", data: JSON.stringify({ type: "user.created", subject: { type: "user", id } }) });
  });

  it("resumes after the Last-Event-ID a reconnect sends, and says reset when it cannot place it", async () => {
    const { api, admin } = await harness();
    const first = frames(await api.call("GET", "/api/v1/events", { cookie: admin }));
    const made = async (email: string) => {
      const response = await api.call("POST", "/api/v1/users", { cookie: admin, body: { email, name: "Someone", role: "VIEWER" } });
      return ((await response.json()) as { id: string }).id;
    };
    await made("one@example.com");
    const seen = await first.next();
    await readers.pop()!.cancel();
    // Changes while away, then back with the last id seen: exactly those, in order.
    const two = await made("two@example.com");
    const three = await made("three@example.com");
    const resumed = frames(await api.call("GET", "/api/v1/events", { cookie: admin, headers: { "last-event-id": seen!.id! } }));
    expect(JSON.parse((await resumed.next())!.data!)).toMatchObject({ subject: { id: two } });
    expect(JSON.parse((await resumed.next())!.data!)).toMatchObject({ subject: { id: three } });
    // A page rendered before a change and its stream opened after it: the position handed to the page covers it.
    const rendered = api.app.liveChanges.position();
    const four = await made("four@example.com");
    const late = frames(await api.call("GET", `/api/v1/events?lastEventId=${rendered}`, { cookie: admin }));
    expect(JSON.parse((await late.next())!.data!)).toMatchObject({ subject: { id: four } });
    // An id this server never gave (another replica's, or from before a restart): refetch everything.
    const unknown = frames(await api.call("GET", "/api/v1/events?lastEventId=feedbeef.12", { cookie: admin }));
    expect(await unknown.next()).toMatchObject({ event: "reset" });
  });

  it("counts against the caps of the import progress streams", async () => {
    const { api, admin } = await harness();
    const open: Response[] = [];
    for (let i = 0; i < IMPORT_EVENT_STREAM_CAPS.perPrincipal; i++) open.push(await api.call("GET", "/api/v1/events", { cookie: admin }));
    expect(open.map((response) => response.status)).toEqual(Array(IMPORT_EVENT_STREAM_CAPS.perPrincipal).fill(200));
    const refused = await api.call("GET", "/api/v1/events", { cookie: admin });
    expect(refused.status).toBe(429);
    expect((await refused.json()).code).toBe("TOO_MANY_CONCURRENT_REQUESTS");
    expect(api.app.liveChanges.streams).toBe(IMPORT_EVENT_STREAM_CAPS.perPrincipal);
    // A stream given up frees its slot.
    for (const response of open) readers.push(response.body!.getReader());
    await readers.pop()!.cancel();
    expect(api.app.liveChanges.streams).toBe(IMPORT_EVENT_STREAM_CAPS.perPrincipal - 1);
    expect((await api.call("GET", "/api/v1/events", { cookie: admin })).status).toBe(200);
  });

  it("ends when the caller's session does", async () => {
    const { api, viewer } = await harness();
    const stream = frames(await api.call("GET", "/api/v1/events", { cookie: viewer }));
    expect((await api.call("DELETE", "/api/v1/session", { cookie: viewer })).status).toBe(204);
    expect(await stream.next()).toBeNull();
    expect(api.app.liveChanges.streams).toBe(0);
  });
});
