/**
 * The built server with NATS_URL set (issue 20, item 4): it starts and is ready while NATS is down, stays ready
 * while the relay's publishing fails, delivers the events waiting in the outbox once NATS is back, and shuts down
 * cleanly with its NATS connection open. Also proves that the build carries the NATS client.
 */
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { EventMessage } from "../lib/domain/events";
import { ensureBuild, freePort, startServer, type RunningServer } from "../test/support/built-server";
import { BOOTSTRAP_PASSWORD, firstSignIn } from "../test/support/http-accounts";
import { startNatsServer, type NatsServer } from "../test/support/nats-server";
import { createTestDatabase, type TestDatabase } from "../test/support/postgres";

let database: TestDatabase;
let nats: NatsServer;
let server: RunningServer | undefined;
let client: NatsConnection | undefined;

beforeAll(async () => {
  await ensureBuild();
  [database, nats] = await Promise.all([createTestDatabase("events_nats"), startNatsServer()]);
});
afterAll(async () => {
  if (server) {
    server.child.kill("SIGTERM");
    await server.exited;
  }
  await client?.close();
  await Promise.all([nats?.stop(), database?.drop()]);
});

describe("the server publishing events to NATS JetStream", () => {
  it("starts and is ready with NATS down, and delivers what waited in the outbox once NATS is back", async () => {
    await nats.halt();
    const running = startServer({
      port: await freePort(),
      env: { DATABASE_URL: database.url, BOOTSTRAP_ADMIN_PASSWORD: BOOTSTRAP_PASSWORD, NATS_URL: nats.url, SHUTDOWN_DELAY_MS: "0" },
    });
    server = running;
    await running.waitUntilReady();
    const cookie = await firstSignIn(running.baseUrl);
    const created = await fetch(`${running.baseUrl}/api/v1/users`, {
      method: "POST",
      headers: { origin: running.baseUrl, "content-type": "application/json", cookie },
      body: JSON.stringify({ email: "ada@nats.example", name: "Ada", role: "VIEWER" }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };

    // The relay tried NATS and was refused; the replica stays ready all the same.
    // The fan-out names every publisher (`webhooks+nats`): NATS is among them.
    await running.waitForOutput(/"publisher":"[^"]*nats[^"]*".*"msg":"publishing events failed: retrying"/, 30_000);
    expect((await fetch(`${running.baseUrl}/ready`)).status).toBe(200);

    await nats.restart();
    client = await connect({ servers: nats.url });
    const jsm = await jetstreamManager(client);
    // The stream appears with the first publish that gets through (the relay's backoff is at most 30 s).
    await expect.poll(() => jsm.streams.info("user-console").then(() => true, () => false), { timeout: 45_000, interval: 250 }).toBe(true);
    const bodies: { subject: string; body: EventMessage }[] = [];
    const consumer = await jetstream(client).consumers.get("user-console");
    await expect
      .poll(
        async () => {
          const batch = await consumer.fetch({ max_messages: 100, expires: 1_000 });
          for await (const message of batch) bodies.push({ subject: message.subject, body: message.json<EventMessage>() });
          return bodies.filter(({ body }) => body.subject.id === id).map(({ subject, body }) => [subject, body.sequence]);
        },
        { timeout: 30_000, interval: 250 },
      )
      .toEqual([["user-console.user.created", 1]]);
    expect(new Set(bodies.map(({ body }) => body.id)).size).toBe(bodies.length);

    // Shutdown drains the NATS connection along with the rest, and exits cleanly.
    running.child.kill("SIGTERM");
    expect(await running.exited).toBe(0);
    server = undefined;
    expect(running.output()).not.toMatch(/"level":50/);
  });
});
