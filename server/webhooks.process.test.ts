/**
 * Signed webhooks through the built server (issue 20, "Measured and tested"): an ADMIN adds an endpoint, a burst
 * of changes goes through the API, and a receiver on loopback (allowed by WEBHOOK_ALLOW_PRIVATE_CIDRS; nothing else
 * private is) gets every event: every request's signature verifies with standardwebhooks' own verifier, the first
 * answers are 500s that are retried, and across a SIGTERM and restart of the server mid-burst no event is lost and
 * none overtakes an earlier one of its subject.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ensureBuild, freePort, startServer, type RunningServer } from "../test/support/built-server";
import { BOOTSTRAP_PASSWORD, firstSignIn } from "../test/support/http-accounts";
import { createTestDatabase, type TestDatabase } from "../test/support/postgres";

interface Request {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  /** The status answered; 0 while held (and for good when the server cut the request). */
  answered: number;
}

let database: TestDatabase;
let receiver: Server;
const requests: Request[] = [];
/** The receiver's first answers are 500s: the server must retry them. */
const FAILING_FIRST = 4;
/** While set, the receiver holds requests unanswered: deliveries queue up behind the one held. */
let holding = false;
const held: (() => void)[] = [];

beforeAll(async () => {
  await ensureBuild();
  database = await createTestDatabase("webhooks_process");
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const status = requests.length < FAILING_FIRST ? 500 : 204;
      const entry: Request = {
        id: String(request.headers["webhook-id"]),
        timestamp: String(request.headers["webhook-timestamp"]),
        signature: String(request.headers["webhook-signature"]),
        body: Buffer.concat(chunks).toString("utf8"),
        answered: 0,
      };
      requests.push(entry);
      const answer = () => {
        // A request the server gave up on (it was stopped) is not taken: its socket is gone.
        if (response.destroyed || request.socket.destroyed) return;
        entry.answered = status;
        response.writeHead(status).end();
      };
      if (holding) held.push(answer);
      else answer();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
});
afterAll(async () => {
  await new Promise((resolve) => receiver?.close(resolve));
  await database?.drop();
});

function start(port: number): RunningServer {
  return startServer({
    port,
    env: {
      DATABASE_URL: database.url,
      BOOTSTRAP_ADMIN_PASSWORD: BOOTSTRAP_PASSWORD,
      SHUTDOWN_DELAY_MS: "0",
      EVENTS_POLL_MS: "100",
      // The receiver is on loopback: allowed here, as it would be refused by default.
      WEBHOOK_ALLOW_PRIVATE_CIDRS: "127.0.0.0/8",
      WEBHOOK_RETRY_SCHEDULE: "50ms,100ms,200ms,400ms,800ms,1s,2s",
    },
  });
}

async function send(server: RunningServer, cookie: string, method: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: { origin: server.baseUrl, "content-type": "application/json", cookie, ...headers },
    body: JSON.stringify(body),
  });
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

interface Sent {
  id: string;
  type: string;
  subject: { type: string; id: string };
  sequence: number;
}

describe("webhooks through the built server", () => {
  it("deliver every event of a burst, signed, retried after 500s, in per-subject order across a SIGTERM and restart", async () => {
    const port = await freePort();
    let server = start(port);
    try {
      await server.waitUntilReady();
      const cookie = await firstSignIn(server.baseUrl);
      const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const created = await send(server, cookie, "POST", "/api/v1/webhooks", { url: receiverUrl, eventTypes: ["user.created", "user.updated"] });
      const secret = String(created.secret);

      // The burst, first half: 10 users created and each renamed once (20 events); halfway the receiver stops
      // answering, so deliveries queue up behind the request it holds ...
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) {
        if (i === 5) {
          // Once the 500s are behind it (the first event retried until taken), the receiver starts holding.
          await expect.poll(() => requests.some((r) => r.answered === 204), { timeout: 10_000 }).toBe(true);
          holding = true;
        }
        const user = await send(server, cookie, "POST", "/api/v1/users", { email: `burst${i}@example.com`, name: `Burst ${i}`, role: "VIEWER" });
        ids.push(String(user.id));
        await send(server, cookie, "PATCH", `/api/v1/users/${user.id}`, { name: `Burst ${i} once` }, { "if-match": "*" });
      }
      await expect.poll(() => held.length, { timeout: 10_000 }).toBeGreaterThan(0);
      // ... and the server is stopped (cutting the request held), then started again, and the receiver answers again.
      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(0);
      const cut = requests.filter((r) => r.answered === 0).map((r) => r.id);
      holding = false;
      for (const answer of held.splice(0)) answer();
      server = start(port);
      await server.waitUntilReady();
      // Second half: each renamed again (10 more events); the session survives the restart (it is in the database).
      for (const id of ids) await send(server, cookie, "PATCH", `/api/v1/users/${id}`, { name: `renamed ${id.slice(-4)}` }, { "if-match": "*" });

      const mine = new Set(ids);
      const succeeded = () => new Set(requests.filter((r) => r.answered < 300 && mine.has((JSON.parse(r.body) as Sent).subject.id)).map((r) => r.id));
      await expect.poll(() => succeeded().size, { timeout: 30_000, interval: 100 }).toBe(30);

      // Every request, retries and duplicates included, verifies with the endpoint's secret.
      const verifier = new Webhook(secret);
      for (const request of requests) {
        const event = verifier.verify(request.body, {
          "webhook-id": request.id,
          "webhook-timestamp": request.timestamp,
          "webhook-signature": request.signature,
        }) as Sent;
        expect(event.id).toBe(request.id);
      }
      // The first answers were 500s, and the same event came again until it was taken.
      expect(requests.slice(0, FAILING_FIRST).map((r) => r.answered)).toEqual(Array(FAILING_FIRST).fill(500));
      const retried = requests.filter((r) => r.id === requests[0]?.id).map((r) => r.answered);
      expect(retried).toEqual([500, 500, 500, 500, 204]);
      // The request cut by the stop was sent again by the restarted server, and taken.
      expect(cut).toHaveLength(1);
      expect(succeeded()).toContain(cut[0]);

      // Per subject: each event is sent only once the one before it was taken, and all of 1..3 were taken.
      for (const id of ids) {
        const events = requests.filter((r) => (JSON.parse(r.body) as Sent).subject.id === id).map((r) => ({ ...(JSON.parse(r.body) as Sent), ok: r.answered < 300 }));
        const taken = new Set<number>();
        for (const event of events) {
          if (event.sequence > 1) expect(taken.has(event.sequence - 1), `${id} #${event.sequence} before #${event.sequence - 1} was taken`).toBe(true);
          if (event.ok) taken.add(event.sequence);
        }
        expect([...taken].sort()).toEqual([1, 2, 3]);
        expect(events.map((e) => e.type).filter((type, i, all) => all.indexOf(type) === i)).toEqual(["user.created", "user.updated"]);
      }
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  });
});
