import ipaddr from "ipaddr.js";
import { z } from "zod";

import { NamedError } from "./domain/errors";
import { DEFAULT_WEBHOOK_RETRY_SCHEDULE, parseRetrySchedule } from "./domain/webhooks";
import { parseUrl } from "./domain/url";

/**
 * Process configuration: read once from the environment at start-up, validated, and frozen; a bad value stops
 * start-up with a message naming the variable. Each variable's description sits on its schema (`.meta`), the one
 * place it is written: docs/configuration.md is rendered from this schema (lib/config-doc.ts, `npm run
 * docs:config`), and a test fails when the two disagree. Links in descriptions are relative to docs/.
 */

const millis = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const flag = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0"])
    .default(fallback ? "true" : "false")
    .transform((v) => v === "true" || v === "1");

const postgresUrl = z
  .string()
  .refine((value) => /^postgres(ql)?:$/.test(parseUrl(value)?.protocol ?? ""), {
    message: "must be a URL of the form postgres://user:password@host:5432/database",
  });

export const configSchema = z.object({
  DATABASE_URL: z.preprocess((v) => (v === "" ? undefined : v), postgresUrl.optional()).meta({
    description:
      "Unset: the embedded PGlite database in `DATA_DIR`. Set (`postgres://user:password@host:5432/database`): that " +
      "PostgreSQL server, through node-postgres.",
  }),
  DATA_DIR: z.string().min(1).default("./data").meta({
    description:
      "Folder of the embedded database. One process at a time may open it: the holder keeps `user-console.lock` and " +
      "`user-console.pid` in it, and a second process is refused with the holder's pid. A folder holding anything " +
      "else is refused too.",
  }),
  MIGRATE_ON_START: flag(false).meta({
    description:
      "PostgreSQL only: apply pending migrations at start-up instead of refusing to start. The embedded database " +
      "always migrates itself.",
  }),
  REQUEST_TIMEOUT_MS: millis(5_000, 1).meta({
    description:
      "Deadline of one API request: past it the answer is 504 `DEADLINE_EXCEEDED` and its database work is cancelled " +
      "([Deadlines](api.md#deadlines)). Each unit of work is also bounded by `DB_TIMEOUT_MS`, whichever ends first.",
  }),
  DB_TIMEOUT_MS: millis(5_000, 1).meta({
    description:
      "Deadline for one unit of work (one transaction) against the database, and PostgreSQL's `statement_timeout` on " +
      "each pooled connection.",
  }),
  DB_POOL_WAIT_MS: millis(1_000, 1).meta({
    description:
      "PostgreSQL: how long a unit of work waits for a free pooled connection (or a new connection to the server) " +
      "before the request is answered 503 `DATABASE_BUSY` with `Retry-After`, instead of queueing on towards its " +
      "deadline.",
  }),
  AUTH_CACHE_TTL_MS: millis(30_000).meta({
    description:
      "How long a verified API token or session is kept in the process, so a request asks the database nothing to " +
      "know its caller. A revocation, sign-out, password or role change, disable or delete ends it at once on every " +
      "replica (PostgreSQL `NOTIFY`); this bounds how long a lost notification can leave one accepted. `0`: no cache, " +
      "every request asks the database ([decision 011](decisions/011-query-side-and-auth-cache.md)).",
  }),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10).meta({
    description: "Most connections to PostgreSQL at once (the pool's size).",
  }),
  // Issue 17.
  DB_BREAKER_FAILURES: z.coerce.number().int().min(0).default(5).meta({
    description:
      "Units of work in a row that fail to reach the database (refused, connection lost, server shutting down) " +
      "before its circuit breaker opens: requests are then answered 503 `DATABASE_UNAVAILABLE` at once " +
      "([When the database fails](operations.md#when-the-database-fails)). `0` turns the breaker off: every request " +
      "tries the database (one that cannot reach it is still 503 `DATABASE_UNAVAILABLE`).",
  }),
  DB_BREAKER_HALF_OPEN_MS: millis(5_000, 100).meta({
    description:
      "How long the breaker stays open before a probe (`SELECT 1`) tries the database again; it closes at the first " +
      "probe that gets an answer.",
  }),
  IMPORT_LEASE_MS: millis(30_000, 1_000).meta({
    description:
      "How long a process holds a CSV import job it works on (renewed while it works). A job whose process died is " +
      "resumed by the next start or another replica once this has run out.",
  }),
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000).meta({ description: "Port to listen on." }),
  // The server listens on LISTEN_HOST when set, else HOSTNAME (loadConfig folds them into HOSTNAME).
  HOSTNAME: z.string().min(1).default("127.0.0.1").meta({
    description: "Address to listen on when `LISTEN_HOST` is unset (as for `npm start`).",
  }),
  LISTEN_HOST: z.preprocess((v) => (v === "" ? undefined : v), z.string().min(1).optional()).meta({
    description:
      "Address to listen on; wins over `HOSTNAME`. The container image sets `0.0.0.0`. Its own variable because " +
      "Kubernetes sets `HOSTNAME` to the pod's name in every container.",
  }),
  READY_TIMEOUT_MS: millis(1_000, 1).meta({
    description:
      "Deadline of each `/ready` check (database ping, migration history); one that does not finish in time fails " +
      "readiness.",
  }),
  // Issue 17.
  READY_REQUIRES_TRACE_EXPORT: flag(false).meta({
    description:
      "`true`: `/ready` also fails (check `traceExport`) while exporting spans has failed for longer than " +
      "`READY_TRACE_EXPORT_GRACE_MS`. Off by default: a trace backend outage would then take every replica out of " +
      "rotation at once, an outage of the app caused by its diagnostics " +
      "([Trace export and readiness](operations.md#trace-export-and-readiness)).",
  }),
  READY_TRACE_EXPORT_GRACE_MS: millis(60_000).meta({
    description: "With `READY_REQUIRES_TRACE_EXPORT`: how long span export may keep failing before `/ready` does.",
  }),
  SHUTDOWN_DELAY_MS: millis(5_000).meta({
    description:
      "After SIGTERM, keep serving this long with `/ready` at 503, so load balancers stop routing here " +
      "([Lifecycle](architecture.md#lifecycle)).",
  }),
  SHUTDOWN_TIMEOUT_MS: millis(10_000).meta({
    description: "Then wait at most this long for in-flight requests; the rest are cut and counted in the log.",
  }),
  BOOTSTRAP_ADMIN_EMAIL: z.email().default("admin@example.com").meta({
    description:
      "Email of the first ADMIN, created when the database has no users ([First sign-in](security.md#first-sign-in)).",
  }),
  // Issue 18, item 10: never generated on PostgreSQL, where it would land in a container's log.
  BOOTSTRAP_ADMIN_PASSWORD: z
    .preprocess((v) => (v === "" ? undefined : v), z.string().min(12).max(200).optional())
    .meta({
      description:
        "That admin's first password, which must be changed at first sign-in, within 24 hours. Required on " +
        "PostgreSQL while the database has no users: start-up refuses without it, as a generated one would land in " +
        "a container's log. Unset on the embedded database: a random one-time password is printed once on the " +
        "terminal.",
    }),
  TRUST_PROXY: flag(false).meta({
    description:
      "Behind a reverse proxy: take the client's address (for throttling) from the last `X-Forwarded-For` hop and " +
      "the origin from `X-Forwarded-Proto`/`-Host`. Off, those headers are ignored (a client could forge them), and " +
      "the first request carrying `X-Forwarded-For` logs a warning (once per process).",
  }),
  PUBLIC_ORIGIN: z
    .preprocess(
      (v) => (v === "" ? undefined : v),
      z
        .url({ protocol: /^https?$/, message: "must be an http(s) origin such as https://console.example.com" })
        .transform((value) => new URL(value).origin)
        .optional(),
    )
    .meta({
      description:
        "The address people use, e.g. `https://console.example.com`: the only `Origin` accepted for changes, and the " +
        "base of invitation links. Unset: taken from each request, `http://<Host>` (or the `X-Forwarded-*` headers " +
        "with `TRUST_PROXY`).",
    }),
  // Issue 18; server/metrics-endpoint.ts.
  METRICS_TOKEN: z.preprocess((v) => (v === "" ? undefined : v), z.string().min(16).max(200).optional()).meta({
    description:
      "When set, `GET /metrics` requires `Authorization: Bearer <token>`. Unset: open while the server listens on a " +
      "loopback address (`127.0.0.0/8`, `::1`, `localhost`); beyond loopback (`0.0.0.0`, the image's) `/metrics` " +
      "answers 404 and start-up warns, unless `METRICS_PORT` is set " +
      "([Metrics stay private](security.md#metrics-stay-private)).",
  }),
  METRICS_PORT: z
    .preprocess((v) => (v === "" ? undefined : v), z.coerce.number().int().min(1).max(65_535).optional())
    .meta({
      description:
        "Serve `GET /metrics` on this port only (same address as the app), without a token unless `METRICS_TOKEN` is " +
        "set too; the main port then answers `/metrics` 404. Must differ from `PORT`. Keep the port off your load " +
        "balancer and Ingress.",
    }),
  // Issue 9.
  LAUNCHDARKLY_SDK_KEY: z.preprocess((v) => (v === "" ? undefined : v), z.string().min(1).max(200).optional()).meta({
    description:
      "Unset: feature flags live in this app's database, evaluated by the LaunchDarkly SDK from there. Set: a " +
      "server-side SDK key, and flags come from LaunchDarkly itself ([Feature flags](feature-flags.md#two-modes)).",
  }),
  LAUNCHDARKLY_BASE_URI: z.preprocess((v) => (v === "" ? undefined : v), z.url().optional()).meta({
    description: "With an SDK key: LaunchDarkly's base URI, for a Relay Proxy or a stand-in. Unset: the SDK's default.",
  }),
  LAUNCHDARKLY_STREAM_URI: z.preprocess((v) => (v === "" ? undefined : v), z.url().optional()).meta({
    description: "With an SDK key: LaunchDarkly's streaming URI, for a Relay Proxy or a stand-in. Unset: the SDK's default.",
  }),
  LAUNCHDARKLY_EVENTS_URI: z.preprocess((v) => (v === "" ? undefined : v), z.url().optional()).meta({
    description: "With an SDK key: LaunchDarkly's events URI, for a Relay Proxy or a stand-in. Unset: the SDK's default.",
  }),
  FLAG_POLL_MS: millis(30_000, 100).meta({
    description:
      "Local flags: how often each replica re-reads them, a fallback for a missed change notification (on PostgreSQL " +
      "a change reaches the other replicas through `LISTEN`/`NOTIFY` at once).",
  }),
  FLAG_STALE_DAYS: z.coerce.number().int().min(1).max(3650).default(30).meta({
    description:
      "A flag unchanged this many days that nobody evaluated in that time, or that served one variation only, is " +
      "marked stale.",
  }),
  // Issue 18.
  CLEANUP_INTERVAL_MS: millis(10 * 60_000, 1_000).meta({
    description:
      "How often each process deletes expired sign-in failures, sessions, invitations, finished imports' files and " +
      "unused device cookies (and once at start). Deleting what has expired is idempotent, so replicas running it " +
      "at once only repeat work.",
  }),
  // Issue 18.
  API_TOKEN_MAX_LIFETIME_DAYS: z.coerce.number().int().min(1).max(3650).default(90).meta({
    description:
      "The longest an API token may live: a token created without an expiry gets this one, and a later expiry is " +
      "refused (422). Tokens are also revoked when their owner stops being an active ADMIN.",
  }),
  // Webhooks: issue 20, item 3; docs/decisions/017-webhooks.md.
  WEBHOOK_ALLOW_PRIVATE_CIDRS: z
    .string()
    .default("")
    .refine((text) => text.split(",").every((part) => part.trim() === "" || ipaddr.isValidCIDR(part.trim())), {
      message: "must be CIDRs separated by commas, such as 10.0.0.0/8,fd00::/8",
    })
    .meta({
      description:
        "CIDRs separated by commas (`10.20.0.0/16,fd00::/8`) that webhooks may be sent to although they are not public " +
        "addresses (private, loopback, link-local, CGNAT, ...), e.g. for receivers inside the cluster. Empty: public " +
        "(global unicast) addresses only. Checked on the resolved address of each connection " +
        "([Webhook destinations](security.md#webhook-destinations)).",
    }),
  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .default(DEFAULT_WEBHOOK_RETRY_SCHEDULE)
    .transform((text, context) => {
      try {
        return parseRetrySchedule(text);
      } catch (error) {
        context.addIssue({ code: "custom", message: error instanceof Error ? error.message : String(error) });
        return z.NEVER;
      }
    })
    .meta({
      description:
        "Waits before each retry of a failed webhook delivery, after the first attempt (units `ms`, `s`, `m`, `h`), " +
        "each jittered by ±20 %; the whole schedule must fit in 24 h. When they run out the delivery fails and its " +
        "endpoint is disabled.",
    }),
  WEBHOOK_TIMEOUT_MS: millis(10_000, 100).meta({
    description: "A webhook request's whole deadline, connecting to the answer (of which at most 64 KiB is read).",
  }),
  WEBHOOK_CONNECT_TIMEOUT_MS: millis(5_000, 100).meta({
    description: "A webhook request's deadline for DNS, TCP and TLS.",
  }),
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4).meta({
    description: "Endpoints sent to at once (each gets one delivery at a time, in order).",
  }),
  // Issue 20, item 4.
  NATS_URL: z
    .preprocess(
      (v) => (v === "" ? undefined : v),
      z
        .string()
        .refine((value) => value.split(",").every((part) => /^(nats|tls):$/.test(parseUrl(part.trim())?.protocol ?? "")), {
          message: "must be nats://host:4222 (or tls://), several separated by commas",
        })
        .optional(),
    )
    .meta({
      description:
        "Set: the event relay also publishes every event to NATS JetStream on `user-console.<type>` " +
        "([Events on NATS JetStream](api.md#events-on-nats-jetstream)). `nats://host:4222`, several separated by " +
        "commas; `user:password@` or `token@` in the URL signs in; `tls://` requires TLS. The app connects at the " +
        "first event, so start-up and `/ready` never wait for NATS. Unset: no NATS.",
    }),
  NATS_STREAM: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, "must be a JetStream stream name: letters, digits, - and _")
    .default("user-console")
    .meta({
      description:
        "The JetStream stream of the events: created (file storage, one-hour duplicate window, 7 days) when missing, " +
        "used as it is when present.",
    }),
  // Issue 20.
  EVENTS_POLL_MS: millis(1_000, 10).meta({
    description:
      "How often the event relay looks at the outbox when nothing nudged it. A change made on the relaying replica is " +
      "relayed at once; one made on another replica within this time.",
  }),
  EVENTS_RETENTION_HOURS: z.coerce.number().int().min(1).max(24 * 365).default(72).meta({
    description: "Delivered events stay in the outbox this long (for inspection and replay), then the relay prunes them.",
  }),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info").meta({
    description: "The least severe level logged. Logs are JSON lines on stdout.",
  }),
});

export type Config = Readonly<z.infer<typeof configSchema>>;

export class ConfigError extends NamedError {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration: ${issues.join("; ")}`, { name: "ConfigError" });
  }
}

/** Parses the environment; throws {@link ConfigError} naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`),
    );
  }
  const { LISTEN_HOST, HOSTNAME, METRICS_PORT, PORT } = result.data;
  if (METRICS_PORT !== undefined && METRICS_PORT === PORT) {
    throw new ConfigError([`METRICS_PORT must differ from PORT (${PORT}): it is a port of its own for /metrics`]);
  }
  return Object.freeze({ ...result.data, HOSTNAME: LISTEN_HOST ?? HOSTNAME });
}
