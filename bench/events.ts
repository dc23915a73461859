/**
 * Benchmark: domain events (issue 20), on a throwaway PostgreSQL 15 with 10,000 users.
 *
 *   1. The outbox's cost on a write. The PATCH use case (app.updateUser: a rename, and every fourth call a role
 *      change, which also raises user.role_changed) run by 8 callers at once for `--seconds`, through the
 *      production wiring, against the same wiring with domain events off (createDatabaseTestApp's
 *      `domainEvents: false`, which only this bench uses), in interleaved rounds on one database. Goal: with the
 *      outbox >= 0.9x without.
 *   2. Relay throughput: the events those writes left in the outbox (at least 10,000), relayed by the app's relay
 *      (one leader, batches of 100, each marked delivered in its own unit) to a publisher that takes them at once
 *      (the relay's own cost), then again to NATS JetStream (Debian's nats-server with -js, when installed), in
 *      events per second.
 *
 *   npm run bench -- events   (or: npx tsx --conditions react-server bench/events.ts [--seconds 8] [--rounds 3])
 * Writes bench/results/events.json.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

import pg from "pg";

import { createDatabaseTestApp } from "../lib/composition-root";
import { loadConfig } from "../lib/config";
import type { Principal } from "../lib/domain/auth";
import type { EventPublisher } from "../lib/ports/event-publisher";
import { applyMigrations, pgSession, readMigrations } from "../lib/adapters/prisma/migrator";
import { ROOT } from "../test/support/built-server";
import { NATS_SERVER, startNatsServer } from "../test/support/nats-server";
import { startPostgresServer } from "../test/support/postgres-server";

const { values: args } = parseArgs({ options: { seconds: { type: "string", default: "8" }, rounds: { type: "string", default: "3" } } });
const SECONDS = Number(args.seconds);
const ROUNDS = Number(args.rounds);
const USERS = 10_000;
const CALLERS = 8;
const MIN_EVENTS = 10_000;
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
  console.log(`PATCH use case, ${CALLERS} callers at once, ${SECONDS} s per round, ${ROUNDS} rounds, ${USERS.toLocaleString("en")} users`);
  for (let round = 0; round <= ROUNDS; round++) {
    const order = round % 2 === 0 ? Object.keys(targets) : Object.keys(targets).reverse();
    for (const name of order) {
      const app = targets[name as keyof typeof targets];
      let done = 0;
      const until = performance.now() + (round === 0 ? 2 : SECONDS) * 1000;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: CALLERS }, async (_, caller) => {
          for (let n = caller; performance.now() < until; n += CALLERS) {
            const id = ids[(n * 7_919 + round * 104_729) % ids.length]!;
            const patch = n % 4 === 0 ? { role: n % 8 === 0 ? ("EDITOR" as const) : ("VIEWER" as const) } : { name: `Renamed ${n}` };
            await app.updateUser(id, patch, {}, context);
            done++;
          }
        }),
      );
      const rate = done / ((performance.now() - started) / 1000);
      // Round 0 warms both up (plans, pools, JIT) and is not counted.
      if (round > 0) rates[name]!.push(rate);
      console.log(`  round ${round}${round === 0 ? " (warm-up)" : ""} ${name.padEnd(28)} ${rate.toFixed(0)} PATCH/s`);
    }
  }
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const patchWith = mean(rates["with the outbox"]!);
  const patchWithout = mean(rates["without (domain events off)"]!);

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

  const ratio = patchWith / patchWithout;
  const goals = [{ goal: "PATCH use case: with the outbox >= 0.9x without", value: ratio, met: ratio >= 0.9 }];
  console.log(`\nPATCH/s with the outbox ${patchWith.toFixed(0)}, without ${patchWithout.toFixed(0)}`);
  console.log("Issue 20's goals:");
  for (const { goal, value, met } of goals) console.log(`  ${met ? "met    " : "NOT met"}  ${value.toFixed(3).padStart(7)}  ${goal}`);
  mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(
    RESULTS_FILE,
    `${JSON.stringify(
      {
        benchmark: "events",
        date: new Date().toISOString(),
        machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? "unknown", node: process.version },
        settings: { users: USERS, callers: CALLERS, seconds: SECONDS, rounds: ROUNDS },
        patch: { withOutbox: rates["with the outbox"], without: rates["without (domain events off)"] },
        relay,
        goals,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nwrote ${path.relative(ROOT, RESULTS_FILE)}`);
} finally {
  for (const database_ of opened) await database_.close().catch(() => undefined);
  await sql.end().catch(() => undefined);
  await database.stop();
}
process.exit();
