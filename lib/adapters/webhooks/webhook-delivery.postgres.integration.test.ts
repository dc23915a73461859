/**
 * The webhook delivery worker (issue 20, item 3) on a real PostgreSQL, sending with the real sender (undici,
 * standardwebhooks) to a receiver on loopback: retries while the receiver answers 500, then success; the endpoint
 * disabled once the schedule runs out, and resumed in order when enabled again; per-subject order under failures;
 * and the SSRF check on resolved addresses. DNS is stubbed: no name is resolved for real, and nothing is ever sent
 * anywhere but the loopback receiver (a private address is refused before any connection is made).
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { openPrismaTestDatabase } from "../../../test/support/prisma-test-database";
import { resetDatabase } from "../../../test/support/reset-database";
import type { WebhookMessage } from "../../domain/webhooks";
import type { UnitOfWork } from "../../ports/unit-of-work";
import { makeWebhookWorker } from "../../use-cases/deliver-webhooks";
import { createLogger } from "../pino/logger";
import { createAddressPolicy } from "./address-policy";
import { createUndiciWebhookSender } from "./undici-webhook-sender";

const silent = createLogger({ LOG_LEVEL: "silent" });
let opened: Awaited<ReturnType<typeof openPrismaTestDatabase>>;
let unitOfWork: UnitOfWork;

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}
let receiver: Server;
let port: number;
const received: Received[] = [];
/** How the receiver answers each request: a status by path and the request's number on that path (from 1). */
let answer: (path: string, nth: number) => number = () => 204;

/** Every name resolves to the loopback receiver, except those the test says otherwise (as a DNS server would). */
const dns = new Map<string, string>();
const lookups: string[] = [];

beforeAll(async () => {
  opened = await openPrismaTestDatabase("webhook_worker");
  unitOfWork = opened.unitOfWork;
  const counts = new Map<string, number>();
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const path = request.url ?? "/";
      const nth = (counts.get(path) ?? 0) + 1;
      counts.set(path, nth);
      const status = answer(path, nth);
      received.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString("utf8"), answered: status });
      response.writeHead(status, { "content-type": "text/plain" }).end(status >= 300 ? "receiver says no" : "");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  port = (receiver.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => receiver?.close(resolve));
  await opened?.close();
});

let stop: AbortController;
let running: Promise<void>;
let worker: ReturnType<typeof makeWebhookWorker>;
const sender = () =>
  createUndiciWebhookSender({
    // The receiver is on loopback, which only this allows; nothing else private is.
    policy: createAddressPolicy("127.0.0.0/8"),
    connectTimeoutMs: 2_000,
    timeoutMs: 5_000,
    async resolve(hostname) {
      lookups.push(hostname);
      return [{ address: dns.get(hostname) ?? "127.0.0.1", family: 4 }];
    },
  });
let openSender: ReturnType<typeof sender>;

beforeEach(async () => {
  await resetDatabase((sql) => opened.prisma.$executeRawUnsafe(sql));
  received.length = 0;
  lookups.length = 0;
  dns.clear();
  answer = () => 204;
  openSender = sender();
  worker = makeWebhookWorker({
    unitOfWork,
    sender: openSender,
    clock: { now: () => new Date() },
    log: silent,
    // Milliseconds instead of seconds to hours: the same schedule logic, run fast.
    schedule: [20, 40, 80],
    concurrency: 2,
    pollMs: 50,
    retentionMs: 3_600_000,
    random: () => 0.5,
  });
  stop = new AbortController();
  running = worker.run(stop.signal);
});
afterEach(async () => {
  stop.abort(new Error("test over"));
  await running;
  await openSender.close();
});

async function addEndpoint(url: string, secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") {
  return unitOfWork.run(({ webhooks }) =>
    webhooks.createEndpoint({ url, description: "", eventTypes: [], secret, createdBy: "admin@example.com", createdAt: new Date() }),
  );
}

let eventNumber = 0;
function message(subjectId: string, sequence: number): WebhookMessage {
  const eventId = `0190b000-0000-7000-8000-${String(++eventNumber).padStart(12, "0")}`;
  return {
    eventId,
    eventType: "user.updated",
    subject: { type: "user", id: subjectId },
    sequence,
    body: JSON.stringify({ id: eventId, type: "user.updated", subject: { type: "user", id: subjectId }, sequence }),
  };
}

async function enqueue(messages: WebhookMessage[]) {
  await unitOfWork.run(({ webhooks }) => webhooks.enqueue(messages, new Date()));
  worker.nudge();
}

async function log(endpointId: string) {
  return (await unitOfWork.run(({ webhooks }) => webhooks.listDeliveries(endpointId, { limit: 200 }))).items;
}

describe("the webhook delivery worker", () => {
  it("retries while the receiver answers 500, then succeeds; every attempt is signed and carries the event's id", async () => {
    const secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    const endpoint = await addEndpoint(`http://receiver.test:${port}/flaky`, secret);
    answer = (_path, nth) => (nth <= 2 ? 500 : 204);
    const sent = message("u1", 1);
    await enqueue([sent]);

    await expect.poll(async () => (await log(endpoint.id))[0]?.status, { timeout: 10_000 }).toBe("succeeded");
    const [delivery] = await log(endpoint.id);
    expect(delivery).toMatchObject({ attempts: 3, lastResponseCode: 204, lastError: null, nextAttemptAt: null });
    expect(received.map((r) => r.answered)).toEqual([500, 500, 204]);
    const verifier = new Webhook(secret);
    for (const request of received) {
      expect(request.headers["webhook-id"]).toBe(sent.eventId);
      expect(request.headers["content-type"]).toBe("application/json");
      expect(request.body).toBe(sent.body);
      expect(verifier.verify(request.body, {
        "webhook-id": String(request.headers["webhook-id"]),
        "webhook-timestamp": String(request.headers["webhook-timestamp"]),
        "webhook-signature": String(request.headers["webhook-signature"]),
      })).toEqual(JSON.parse(sent.body));
    }
    // A wrong secret does not verify: the signature is really over this body with this secret.
    const first = received[0];
    expect(() =>
      new Webhook("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").verify(first?.body ?? "", {
        "webhook-id": String(first?.headers["webhook-id"]),
        "webhook-timestamp": String(first?.headers["webhook-timestamp"]),
        "webhook-signature": String(first?.headers["webhook-signature"]),
      }),
    ).toThrow();
    // The name was resolved at connect time, through the policy's lookup.
    expect(lookups).toContain("receiver.test");
  });

  it("gives up when the schedule runs out: the delivery fails, the endpoint is disabled with why, later deliveries wait; enabled again, it resumes in order", async () => {
    const endpoint = await addEndpoint(`http://receiver.test:${port}/down`);
    answer = () => 503;
    const [first, second] = [message("u1", 1), message("u1", 2)];
    if (!first || !second) throw new Error("no messages");
    await enqueue([first, second]);

    await expect.poll(async () => (await unitOfWork.run(({ webhooks }) => webhooks.getEndpoint(endpoint.id)))?.enabled, { timeout: 10_000 }).toBe(false);
    const disabled = await unitOfWork.run(({ webhooks }) => webhooks.getEndpoint(endpoint.id));
    expect(disabled?.disabledReason).toMatch(/^Disabled after 4 failed attempts to deliver user\.updated .*: HTTP 503: receiver says no$/);
    // The first attempt and one per wait of the schedule; never the second event while the first had not succeeded.
    expect(received.map((r) => r.headers["webhook-id"])).toEqual([first.eventId, first.eventId, first.eventId, first.eventId]);
    const [later, failed] = await log(endpoint.id);
    expect(failed).toMatchObject({ eventId: first.eventId, status: "failed", attempts: 4, lastResponseCode: 503, nextAttemptAt: null });
    expect(later).toMatchObject({ eventId: second.eventId, status: "pending", attempts: 0 });
    const audit = await unitOfWork.run(({ audit: entries }) => entries.list({ limit: 10, targetType: "webhook", targetId: endpoint.id }));
    expect(audit.items.map((entry) => entry.action)).toEqual(["webhook.disabled"]);

    // The receiver is back and an ADMIN enables the endpoint: the failed delivery goes first, then the next.
    answer = () => 200;
    await unitOfWork.run(async ({ webhooks }) => {
      await webhooks.updateEndpoint(endpoint.id, () => ({ enabled: true, disabledReason: null, disabledAt: null }), new Date());
      await webhooks.requeue({ failedOf: endpoint.id }, new Date());
    });
    worker.nudge();
    await expect.poll(async () => (await log(endpoint.id)).map((d) => d.status), { timeout: 10_000 }).toEqual(["succeeded", "succeeded"]);
    expect(received.slice(4).map((r) => r.headers["webhook-id"])).toEqual([first.eventId, second.eventId]);
  });

  it("keeps each subject's order at every endpoint while requests fail now and then, a few endpoints at once", async () => {
    const endpoints = [await addEndpoint(`http://receiver.test:${port}/a`), await addEndpoint(`http://other.test:${port}/b`), await addEndpoint(`http://receiver.test:${port}/c`)];
    // Every third request on a path fails (a 500, then a success on the retry).
    answer = (_path, nth) => (nth % 3 === 0 ? 500 : 204);
    const subjects = ["s1", "s2", "s3"];
    const batches = Array.from({ length: 8 }, (_, i) => subjects.map((subject) => message(subject, i + 1)));
    for (const batch of batches) await enqueue(batch);

    const total = batches.flat().length * endpoints.length;
    await expect
      .poll(async () => (await Promise.all(endpoints.map((e) => log(e.id)))).flat().filter((d) => d.status === "succeeded").length, { timeout: 20_000 })
      .toBe(total);
    for (const path of ["/a", "/b", "/c"]) {
      const requests = received.filter((r) => r.path === path).map((r) => ({ ...(JSON.parse(r.body) as { subject: { id: string }; sequence: number }), ok: r.answered < 300 }));
      // Per subject, in arrival order: each event is retried until it succeeds, and only then does the next come.
      for (const subject of subjects) {
        const mine = requests.filter((r) => r.subject.id === subject);
        let expected = 1;
        for (const request of mine) {
          expect(request.sequence, `${path} ${subject}`).toBe(expected);
          if (request.ok) expected++;
        }
        expect(expected - 1, `${path} ${subject} delivered`).toBe(8);
      }
    }
  });

  it("refuses a name that resolves to a private address and a private address literal, without connecting (SSRF)", async () => {
    dns.set("rebound.test", "10.0.0.7");
    const byName = await addEndpoint(`http://rebound.test:${port}/never`);
    const byLiteral = await addEndpoint(`http://169.254.169.254:${port}/latest/meta-data`);
    await enqueue([message("u1", 1)]);

    await expect.poll(async () => (await log(byName.id))[0]?.attempts ?? 0, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    await expect.poll(async () => (await log(byLiteral.id))[0]?.attempts ?? 0, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    expect((await log(byName.id))[0]?.lastError).toMatch(/rebound\.test resolves to 10\.0\.0\.7 is a private address, refused/);
    expect((await log(byLiteral.id))[0]?.lastError).toMatch(/169\.254\.169\.254 is a linkLocal address, refused/);
    expect(lookups).toContain("rebound.test");
    // Nothing reached the receiver (or anywhere else).
    expect(received).toEqual([]);
  });
});
