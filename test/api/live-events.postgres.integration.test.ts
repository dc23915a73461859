/**
 * The live console across replicas (issue 21): two apps on one PostgreSQL, as two replicas. A change committed on
 * one reaches a stream open on the other (the events' NOTIFY, heard by every replica in commit order), and a unit
 * with too many events to name says reset.
 */
import { afterAll, describe, expect, it } from "vitest";

import { loadConfig } from "../../lib/config";
import { createApiHarness, fastTestHasher } from "../support/api-harness";
import { createTestDatabase } from "../support/postgres";
import { sseFrames as frames } from "../support/sse-frames";

const PASSWORD = "correct horse battery";
const database = await createTestDatabase("live_events");
const config = loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: "silent", REQUEST_TIMEOUT_MS: "30000" });
const replicaA = await createApiHarness({ hasher: fastTestHasher, database: config });
const replicaB = await createApiHarness({ hasher: fastTestHasher, database: config });
afterAll(async () => {
  for (const replica of [replicaA, replicaB]) {
    await replica.app.liveChanges.close();
    await replica.close();
  }
  await database.drop();
});

describe("GET /api/v1/events on PostgreSQL", () => {
  it("hears on one replica what commits on another, in order, and reset for a unit too large to name", async () => {
    await replicaA.createUser({ email: "admin@staff.example", role: "ADMIN", password: PASSWORD });
    const onA = await replicaA.signIn("admin@staff.example", PASSWORD);
    const onB = await replicaB.signIn("admin@staff.example", PASSWORD);
    const stream = frames(await replicaB.call("GET", "/api/v1/events", { cookie: onB }));

    const created = await replicaA.call("POST", "/api/v1/users", { cookie: onA, body: { email: "ada@example.com", name: "Ada", role: "VIEWER" } });
    const { id } = (await created.json()) as { id: string };
    expect((await replicaA.call("PATCH", `/api/v1/users/${id}`, { cookie: onA, body: { name: "Ada L." }, headers: { "if-match": '"1"' } })).status).toBe(200);
    const first = await stream.next();
    expect(first).toMatchObject({ event: "change", data: JSON.stringify({ type: "user.created", subject: { type: "user", id } }) });
    expect(await stream.next()).toMatchObject({ event: "change", data: JSON.stringify({ type: "user.updated", subject: { type: "user", id } }) });

    // An import batch: hundreds of users in one unit, announced as "anything may have changed".
    const rows = Array.from({ length: 300 }, (_, i) => `bulk${i}@example.com,Bulk ${i}`).join("\n");
    expect((await replicaA.call("POST", "/api/v1/imports", { cookie: onA, rawBody: `email,name\n${rows}\n`, headers: { "content-type": "text/csv" } })).status).toBe(202);
    const next = await stream.next();
    expect(next?.event).toBe("reset");
  });
});
