/**
 * Benchmark: domain events (issue 20), on a throwaway PostgreSQL 15 with 10,000 users.
 *
 *   1. The outbox's cost on a write. The PATCH use case (app.updateUser: a rename, and every fourth call a role
 *      change, which also raises user.role_changed) run by 8 callers at once for `--seconds`, through the
 *      production wiring, against the same wiring with domain events off (createDatabaseTestApp's
 *      `domainEvents: false`, which only this bench uses), in interleaved rounds on one database (an even number
 *      of them: the order alternates). Goal: with the outbox >= 0.9x without.
 *   2. Relay throughput: the events those writes left in the outbox (at least 10,000), relayed by the app's relay
 *      (one leader, batches of 100, each marked delivered in its own unit) to a publisher that takes them at once
 *      (the relay's own cost), then again to NATS JetStream (Debian's nats-server with -js, when installed), in
 *      events per second.
 *   3. Commit-to-webhook latency: a webhook endpoint for `user.updated` on a receiver on loopback (allowed by
 *      WEBHOOK_ALLOW_PRIVATE_CIDRS), the production sender (undici, Standard Webhooks signatures, each verified by
 *      the receiver), and renames issued on a fixed schedule (open loop: a slow delivery does not slow the
 *      writes) at two rates. Latency runs from the moment the rename's unit of work has committed and the use case
 *      returned to the moment the receiver has read the whole request: the outbox insert's nudge, the relay's
 *      batch, the delivery row, the worker's send. p50, p99 and the worst, in milliseconds, after 100 renames of
 *      warm-up. Then the endpoint's throughput: 3,000 renames made while no relay runs, relayed and delivered by a
 *      fresh app, in deliveries per second.
 *
 *   npm run bench -- events   (or: npx tsx --conditions react-server bench/events.ts [--seconds 2] [--rounds 16] [--changes 1000] [--patch-only])
 * Writes bench/results/events.json.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

import pg from "pg";
import { Webhook } from "standardwebhooks";

import { createDatabaseTestApp } from "../lib/composition-root";
import { loadConfig } from "../lib/config";
import { userPrincipal, type Principal } from "../lib/domain/auth";
import type { EventPublisher } from "../lib/ports/event-publisher";
import { applyMigrations, pgSession, readMigrations } from "../lib/adapters/prisma/migrator";
import { ROOT } from "../test/support/built-server";
import { NATS_SERVER, startNatsServer } from "../test/support/nats-server";
import { startPostgresServer } from "../test/support/postgres-server";
import { postmasterPid, ticksToMs, treeTicks } from "./support/cpu-ticks";
import { percentile } from "./support/percentile";

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "2" },
    rounds: { type: "string", default: "16" },
    changes: { type: "string", default: "1000" },
    "patch-only": { type: "boolean", default: false },
  },
});
const SECONDS = Number(args.seconds);
const ROUNDS = Number(args.rounds);
const PATCH_ONLY = args["patch-only"];
if (!Number.isInteger(ROUNDS) || ROUNDS < 2 || ROUNDS % 2 !== 0) throw new Error(`--rounds ${args.rounds}: an even number, 2 or more (the order of the two sides alternates, and each must run first as often as second)`);
const USERS = 10_000;
const CALLERS = 8;
const MIN_EVENTS = 10_000;
/** Renames per latency run, and the rates they are issued at (per second): below the 140-200 deliveries/s one endpoint takes on this machine (the backlog figure), else the latency is only the queue growing. */
const LATENCY_CHANGES = Number(args.changes);
const LATENCY_RATES = [50, 100];
/** Renames queued while no relay runs, then delivered to one endpoint: the webhook pipeline's throughput. */
const WEBHOOK_BACKLOG = 3_000;
const RESULTS_FILE = path.join(ROOT, "bench/results/events.json");

const principal: Principal = { kind: "token", tokenId: "00000000-0000-4000-8000-000000000000", name: "bench", role: "ADMIN" };
const context = { principal, requestId: null, traceId: null };

const database = await startPostgresServer();
const sql = new pg.Client({ connectionString: database.url });
const opened: { close(): Promise<void> }[] = [];
try {
  await sql.connect();
  await applyMigrations(pgSession(sql), await readMigrations(path.join(ROOT, "prisma/migrations")));
  await sql.query(
    `INSERT INTO users (id, email, name, role, status, updated_at)
     SELECT gen_random_uuid(), 'user' || g || '@load.example', 'User ' || g, 'VIEWER', 'ACTIVE', now() FROM generate_series(1, $1::int) g`,
    [USERS],
  );
  await sql.query("ANALYZE users");
  const ids = (await sql.query<{ id: string }>("SELECT id FROM users")).rows.map((row) => row.id);
  const config = loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: "silent", REQUEST_TIMEOUT_MS: "60000", DB_TIMEOUT_MS: "60000" });

  // ── 1. PATCH with and without the outbox ──
  const taking: EventPublisher = { name: "bench", publish: async () => undefined, close: async () => undefined };
  const withOutbox = await createDatabaseTestApp(config, { eventPublisher: taking });
  const withoutOutbox = await createDatabaseTestApp(config, { domainEvents: false });
  opened.push(withOutbox.app.database, withoutOutbox.app.database);
  const targets = { "with the outbox": withOutbox.app, "without (domain events off)": withoutOutbox.app };
  const rates: Record<string, number[]> = { "with the outbox": [], "without (domain events off)": [] };
  /** CPU per PATCH in ms, of this process (the use case, Prisma, pg) and of PostgreSQL's processes, per round. */
  const cpuMs: Record<string, { app: number; db: number }[]> = { "with the outbox": [], "without (domain events off)": [] };
  const postgresPid = postmasterPid(database.dataDir);
  console.log(`PATCH use case, ${CALLERS} callers at once, ${SECONDS} s per round, ${ROUNDS} rounds, ${USERS.toLocaleString("en")} users`);
  for (let round = 0; round <= ROUNDS; round++) {
    const order = round % 2 === 0 ? Object.keys(targets) : Object.keys(targets).reverse();
    for (const [position, name] of order.entries()) {
      const app = targets[name as keyof typeof targets];
      // Each run its own users: when the second of a round renamed the ones the first had just renamed (their rows
      // and index pages fresh in PostgreSQL's buffers), it ran faster by up to 1.6x, whichever side it was.
      const offset = (round * 2 + position) * 104_729;
      let done = 0;
      const cpuBefore = process.cpuUsage();
      const dbBefore = treeTicks(postgresPid);
      const until = performance.now() + (round === 0 ? 2 : SECONDS) * 1000;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: CALLERS }, async (_, caller) => {
          for (let n = caller; performance.now() < until; n += CALLERS) {
            const id = ids[(n * 7_919 + offset) % ids.length]!;
            const patch = n % 4 === 0 ? { role: n % 8 === 0 ? ("EDITOR" as const) : ("VIEWER" as const) } : { name: `Renamed ${n}` };
            await app.updateUser(id, patch, {}, context);
            done++;
          }
        }),
      );
      const rate = done / ((performance.now() - started) / 1000);
      const cpu = process.cpuUsage(cpuBefore);
      const appMs = (cpu.user + cpu.system) / 1000 / done;
      const dbMs = ticksToMs(treeTicks(postgresPid) - dbBefore) / done;
      // Round 0 warms both up (plans, pools, JIT) and is not counted.
      if (round > 0) {
        rates[name]!.push(rate);
        cpuMs[name]!.push({ app: appMs, db: dbMs });
      }
      console.log(
        `  round ${round}${round === 0 ? " (warm-up)" : ""} ${name.padEnd(28)} ${rate.toFixed(0).padStart(4)} PATCH/s   CPU per PATCH: app ${appMs.toFixed(2)} ms, PostgreSQL ${dbMs.toFixed(2)} ms`,
      );
    }
  }
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const patchWith = mean(rates["with the outbox"]!);
  const patchWithout = mean(rates["without (domain events off)"]!);

  // The rounds are short (2 s) and many, in the order A B B A A B ...: both sides meet the machine's own swings
  // alike, each runs first as often as second, and the ratio of the means cancels what order still does. The
  // rounds' own ratios show what is left of the swing.
  const pairs = rates["with the outbox"]!.map((rate, round) => rate / rates["without (domain events off)"]![round]!);
  const ratio = patchWith / patchWithout;
  const goals = [{ goal: "PATCH use case: with the outbox >= 0.9x without", value: ratio, met: ratio >= 0.9 }];
  console.log(`\nPATCH/s with the outbox ${patchWith.toFixed(0)}, without ${patchWithout.toFixed(0)}; each round's ratio: ${pairs.map((pair) => pair.toFixed(2)).join(", ")}`);
  const cpuPerPatch = (name: string) => {
    const app = mean(cpuMs[name]!.map((round) => round.app));
    const db = mean(cpuMs[name]!.map((round) => round.db));
    return { app, db, total: app + db };
  };
  const cpuWith = cpuPerPatch("with the outbox");
  const cpuWithout = cpuPerPatch("without (domain events off)");
  for (const [label, cpu] of [["with the outbox", cpuWith], ["without", cpuWithout]] as const) {
    console.log(`CPU per PATCH ${label.padEnd(16)} ${cpu.total.toFixed(2)} ms (app ${cpu.app.toFixed(2)}, PostgreSQL ${cpu.db.toFixed(2)})`);
  }
  console.log("Issue 20's goals:");
  for (const { goal, value, met } of goals) console.log(`  ${met ? "met    " : "NOT met"}  ${value.toFixed(3).padStart(7)}  ${goal}`);

  if (PATCH_ONLY) {
    console.log("\n--patch-only: the relay and the latency were not measured and the results file was not written");
  } else {
    // ── 2. Relay throughput ──
    const backlog = async () => Number((await sql.query<{ n: string }>("SELECT count(*) AS n FROM outbox WHERE delivered_at IS NULL")).rows[0]?.n ?? 0);
    let events = await backlog();
    // Top up to the 10,000 the issue names, with more renames.
    for (let n = 0; events < MIN_EVENTS; n++, events++) await withOutbox.app.updateUser(ids[n % ids.length]!, { name: `Top-up ${n}` }, {}, context);
    const drain = async (app: typeof withOutbox.app, label: string) => {
      const pending = await backlog();
      const started = performance.now();
      app.eventRelay.start();
      while ((await backlog()) > 0) await new Promise((resolve) => setTimeout(resolve, 50));
      const seconds = (performance.now() - started) / 1000;
      await app.eventRelay.stop();
      console.log(`  ${label.padEnd(44)} ${pending.toLocaleString("en")} events in ${seconds.toFixed(1)} s: ${(pending / seconds).toFixed(0)} events/s`);
      return { events: pending, seconds, perSecond: pending / seconds };
    };
    console.log("\nRelay throughput (one leader, batches of 100):");
    const relay: Record<string, { events: number; seconds: number; perSecond: number }> = {};
    relay["to a publisher that takes them at once"] = await drain(withOutbox.app, "to a publisher that takes them at once");
    if (existsSync(NATS_SERVER)) {
      const nats = await startNatsServer();
      try {
        await sql.query("UPDATE outbox SET delivered_at = NULL");
        const viaNats = await createDatabaseTestApp(loadConfig({ ...process.env, DATABASE_URL: database.url, LOG_LEVEL: "silent", NATS_URL: nats.url }));
        opened.push(viaNats.app.database);
        relay["to NATS JetStream (acknowledged)"] = await drain(viaNats.app, "to NATS JetStream (acknowledged)");
      } finally {
        await nats.stop();
      }
    } else {
      console.log(`  to NATS JetStream: skipped (${NATS_SERVER} is not installed)`);
    }

    // ── 3. Commit-to-webhook latency ──
    const arrivals = new Map<string, number>();
    let badSignatures = 0;
    let verify: Webhook | undefined;
    const receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const arrived = performance.now();
        const body = Buffer.concat(chunks).toString("utf8");
        response.writeHead(204).end();
        try {
          verify!.verify(body, request.headers as Record<string, string>);
        } catch {
          badSignatures++;
        }
        const name = (JSON.parse(body) as { payload: { after?: { name?: string } } }).payload.after?.name;
        if (name && !arrivals.has(name)) arrivals.set(name, arrived);
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const latency: Record<string, { changes: number; p50Ms: number; p99Ms: number; maxMs: number }> = {};
    let webhookThroughput: { events: number; seconds: number; perSecond: number } | undefined;
    try {
      const viaWebhooks = await createDatabaseTestApp(
        loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: "silent", WEBHOOK_ALLOW_PRIVATE_CIDRS: "127.0.0.0/8", REQUEST_TIMEOUT_MS: "60000" }),
      );
      opened.push(viaWebhooks.app.database);
      const admin = (
        await sql.query<{ id: string }>(
          "INSERT INTO users (id, email, name, role, status, updated_at) VALUES (gen_random_uuid(), 'bench-admin@load.example', 'Bench admin', 'ADMIN', 'ACTIVE', now()) RETURNING id",
        )
      ).rows[0]!;
      const asAdmin = {
        principal: userPrincipal({ id: admin.id, email: "bench-admin@load.example", name: "Bench admin", role: "ADMIN" }, "bench", false),
        requestId: null,
        traceId: null,
      };
      const { secret } = await viaWebhooks.app.webhooks.createWebhook(
        { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, description: "bench", eventTypes: ["user.updated"] },
        asAdmin,
      );
      verify = new Webhook(secret);
      viaWebhooks.app.eventRelay.start();
      while (!viaWebhooks.app.eventRelay.leading()) await new Promise((resolve) => setTimeout(resolve, 20));
      console.log(`\nCommit-to-webhook latency (${LATENCY_CHANGES.toLocaleString("en")} renames per rate, issued on a schedule):`);
      /** Renames `changes` users at `rate` per second; each one's commit-to-receipt latency in ms, sorted. */
      const measure = async (rate: number, changes: number, tag: string) => {
        const committed = new Map<string, number>();
        const started = performance.now();
        await Promise.all(
          Array.from({ length: changes }, async (_, n) => {
            const wait = started + (n * 1000) / rate - performance.now();
            if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
            const name = `Latency ${tag}/${n}`;
            await viaWebhooks.app.updateUser(ids[(n * 7_919 + rate) % ids.length]!, { name }, {}, context);
            committed.set(name, performance.now());
          }),
        );
        const deadline = performance.now() + 120_000;
        while ([...committed.keys()].some((name) => !arrivals.has(name)) && performance.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const missing = [...committed.keys()].filter((name) => !arrivals.has(name)).length;
        if (missing > 0) throw new Error(`${missing} of ${committed.size} renames at ${rate}/s never reached the receiver`);
        return [...committed].map(([name, at]) => arrivals.get(name)! - at).sort((a, b) => a - b);
      };
      // The first deliveries open the receiver's connection and warm the worker's statements: not counted.
      await measure(50, 100, "warm-up");
      for (const rate of LATENCY_RATES) {
        const sorted = await measure(rate, LATENCY_CHANGES, String(rate));
        const label = `at ${rate} renames/s`;
        latency[label] = { changes: sorted.length, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted.at(-1)! };
        console.log(
          `  ${label.padEnd(20)} p50 ${latency[label].p50Ms.toFixed(1).padStart(6)} ms   p99 ${latency[label].p99Ms.toFixed(1).padStart(6)} ms   max ${latency[label].maxMs.toFixed(1).padStart(6)} ms`,
        );
      }
      // Throughput to one endpoint: a backlog of renames made while the relay is stopped, then relayed and delivered.
      await viaWebhooks.app.eventRelay.stop();
      const backlogged: string[] = [];
      for (let n = 0; n < WEBHOOK_BACKLOG; n++) {
        const name = `Backlog ${n}`;
        await viaWebhooks.app.updateUser(ids[(n * 7_919 + 13) % ids.length]!, { name }, {}, context);
        backlogged.push(name);
      }
      const restarted = await createDatabaseTestApp(
        loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: "silent", WEBHOOK_ALLOW_PRIVATE_CIDRS: "127.0.0.0/8" }),
      );
      opened.push(restarted.app.database);
      const drainStarted = performance.now();
      restarted.app.eventRelay.start();
      while (backlogged.some((name) => !arrivals.has(name))) await new Promise((resolve) => setTimeout(resolve, 20));
      const drainSeconds = (performance.now() - drainStarted) / 1000;
      await restarted.app.eventRelay.stop();
      webhookThroughput = { events: WEBHOOK_BACKLOG, seconds: drainSeconds, perSecond: WEBHOOK_BACKLOG / drainSeconds };
      console.log(
        `  a backlog of ${WEBHOOK_BACKLOG.toLocaleString("en")} renames to one endpoint: delivered in ${drainSeconds.toFixed(1)} s, ${webhookThroughput.perSecond.toFixed(0)} deliveries/s`,
      );
      if (badSignatures > 0) throw new Error(`${badSignatures} deliveries failed the receiver's signature check`);
    } finally {
      receiver.closeAllConnections();
      receiver.close();
    }

    mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
    writeFileSync(
      RESULTS_FILE,
      `${JSON.stringify(
        {
          benchmark: "events",
          date: new Date().toISOString(),
          machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? "unknown", node: process.version },
          settings: { users: USERS, callers: CALLERS, seconds: SECONDS, rounds: ROUNDS },
          patch: {
          withOutbox: rates["with the outbox"],
          without: rates["without (domain events off)"],
          ratios: pairs,
          cpuMsPerPatch: { withOutbox: cpuWith, without: cpuWithout },
        },
          relay,
          latency,
          webhookThroughput,
          goals,
        },
        null,
        2,
      )}\n`,
    );
    console.log(`\nwrote ${path.relative(ROOT, RESULTS_FILE)}`);
  }
} finally {
  for (const database_ of opened) await database_.close().catch(() => undefined);
  await sql.end().catch(() => undefined);
  await database.stop();
}
process.exit();
