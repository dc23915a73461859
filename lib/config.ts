import ipaddr from "ipaddr.js";
import { z } from "zod";

import { NamedError } from "./domain/errors";
import { DEFAULT_WEBHOOK_RETRY_SCHEDULE, parseRetrySchedule } from "./domain/webhooks";

/**
 * Process configuration: read once from the environment at start-up, validated, and frozen. Every variable is
 * documented in README.md ("Configuration"); a bad value stops start-up with a message naming the variable.
 */

const millis = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const flag = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0"])
    .default(fallback ? "true" : "false")
    .transform((v) => v === "true" || v === "1");

const postgresUrl = z
  .string()
  .refine((value) => URL.canParse(value) && /^postgres(ql)?:$/.test(new URL(value).protocol), {
    message: "must be a URL of the form postgres://user:password@host:5432/database",
  });

export const configSchema = z.object({
  /** Unset: embedded PGlite in DATA_DIR. Set: PostgreSQL through node-postgres. */
  DATABASE_URL: z.preprocess((v) => (v === "" ? undefined : v), postgresUrl.optional()),
  DATA_DIR: z.string().min(1).default("./data"),
  /** PostgreSQL only (the embedded database always migrates): apply pending migrations at start-up. */
  MIGRATE_ON_START: flag(false),
  /**
   * Deadline of one API request: past it the request is answered 504 and its database work is cancelled. Each
   * unit of work is also bounded by DB_TIMEOUT_MS, whichever ends first.
   */
  REQUEST_TIMEOUT_MS: millis(5_000, 1),
  /** Deadline for one unit of work (one transaction) against the database. */
  DB_TIMEOUT_MS: millis(5_000, 1),
  /**
   * PostgreSQL: how long a unit of work waits for a free pooled connection before the request is answered 503
   * DATABASE_BUSY (with Retry-After) instead of queueing on towards its deadline.
   */
  DB_POOL_WAIT_MS: millis(1_000, 1),
  /**
   * How long a verified API token or session is kept in the process, so a request costs no database round trip.
   * A revocation, sign-out, password or role change, disable or delete reaches every replica at once through
   * PostgreSQL LISTEN/NOTIFY; this is the bound when such a notification is lost. 0 turns the cache off.
   */
  AUTH_CACHE_TTL_MS: millis(30_000),
  /** At most this many database connections (PostgreSQL pool size). */
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  /**
   * Units of work in a row that fail to reach the database (refused, connection lost, server shutting down) before
   * the circuit breaker opens: requests are then answered 503 DATABASE_UNAVAILABLE at once (issue 17). 0 turns
   * the breaker off: every unit tries the database (a failure to reach it is still 503, never retried).
   */
  DB_BREAKER_FAILURES: z.coerce.number().int().min(0).default(5),
  /** How long the breaker stays open before a probe (`SELECT 1`) tries the database again. */
  DB_BREAKER_HALF_OPEN_MS: millis(5_000, 100),
  /**
   * A process holds an import job this long and renews the hold while it works; a job whose process died is
   * taken up by the next start, or by another replica, once its hold has run out.
   */
  IMPORT_LEASE_MS: millis(30_000, 1_000),
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  /**
   * The address to listen on, as used by the server: LISTEN_HOST when set, else HOSTNAME (see loadConfig).
   * Kubernetes sets HOSTNAME to the pod's name in every container, so the image and manifests set LISTEN_HOST,
   * which nothing else sets; `npm start` keeps honouring HOSTNAME.
   */
  HOSTNAME: z.string().min(1).default("127.0.0.1"),
  LISTEN_HOST: z.preprocess((v) => (v === "" ? undefined : v), z.string().min(1).optional()),
  /** Deadline of each /ready check (database ping, migration history). */
  READY_TIMEOUT_MS: millis(1_000, 1),
  /**
   * /ready also fails (check `traceExport`) while exporting spans has failed for longer than
   * READY_TRACE_EXPORT_GRACE_MS (issue 17). Off by default: a trace backend outage would then take every replica
   * out of rotation at once, an outage of the app caused by its diagnostics.
   */
  READY_REQUIRES_TRACE_EXPORT: flag(false),
  /** With READY_REQUIRES_TRACE_EXPORT: how long span export may keep failing before /ready does. */
  READY_TRACE_EXPORT_GRACE_MS: millis(60_000),
  /** After SIGTERM, keep serving (with /ready at 503) this long so load balancers stop routing here. */
  SHUTDOWN_DELAY_MS: millis(5_000),
  /** Then wait at most this long for in-flight requests before cutting them. */
  SHUTDOWN_TIMEOUT_MS: millis(10_000),
  /** The first ADMIN, created on a database with no users (README: "First sign-in"). */
  BOOTSTRAP_ADMIN_EMAIL: z.email().default("admin@example.com"),
  /**
   * That admin's first password; it must be changed at first sign-in, within 24 hours. Required on PostgreSQL
   * while the database has no users: start-up refuses without it, as a generated one would land in a
   * container's log (issue 18, item 10). Unset on the embedded database: a random one-time password is printed
   * once on the terminal.
   */
  BOOTSTRAP_ADMIN_PASSWORD: z.preprocess((v) => (v === "" ? undefined : v), z.string().min(12).max(200).optional()),
  /**
   * Behind a reverse proxy: take the client's address from the last X-Forwarded-For hop and the public
   * origin from X-Forwarded-Proto/-Host. Off (the default), those headers are ignored: a client could forge them.
   */
  TRUST_PROXY: flag(false),
  /**
   * The address people use, e.g. https://console.example.com: then the only Origin accepted for changes, and the
   * base of invitation links. Unset: taken from each request's Host (see TRUST_PROXY).
   */
  PUBLIC_ORIGIN: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z
      .url({ protocol: /^https?$/, message: "must be an http(s) origin such as https://console.example.com" })
      .transform((value) => new URL(value).origin)
      .optional(),
  ),
  /**
   * When set, GET /metrics requires `Authorization: Bearer <METRICS_TOKEN>`. Unset, it is open only while the
   * server listens on a loopback address or on METRICS_PORT; beyond loopback otherwise it answers 404 and
   * start-up warns (issue 18, server/metrics-endpoint.ts). At least 16 characters.
   */
  METRICS_TOKEN: z.preprocess((v) => (v === "" ? undefined : v), z.string().min(16).max(200).optional()),
  /**
   * When set, GET /metrics is served on this port only (same address), and the main port answers it 404: a port
   * that the load balancer or Ingress never routes to. METRICS_TOKEN, when also set, is required there too.
   */
  METRICS_PORT: z.preprocess((v) => (v === "" ? undefined : v), z.coerce.number().int().min(1).max(65_535).optional()),
  /**
   * Unset (the default): feature flags live in this app's database and are evaluated by the LaunchDarkly SDK
   * from there. Set: flags come from LaunchDarkly itself, with this server-side SDK key (issue 9).
   */
  LAUNCHDARKLY_SDK_KEY: z.preprocess((v) => (v === "" ? undefined : v), z.string().min(1).max(200).optional()),
  /** LaunchDarkly's service URIs, for a relay proxy or a stand-in; the SDK's defaults when unset. */
  LAUNCHDARKLY_BASE_URI: z.preprocess((v) => (v === "" ? undefined : v), z.url().optional()),
  LAUNCHDARKLY_STREAM_URI: z.preprocess((v) => (v === "" ? undefined : v), z.url().optional()),
  LAUNCHDARKLY_EVENTS_URI: z.preprocess((v) => (v === "" ? undefined : v), z.url().optional()),
  /**
   * Local flags: how often each replica re-reads them, as a fallback for a missed change notification (on
   * PostgreSQL a change reaches the other replicas through LISTEN/NOTIFY at once).
   */
  FLAG_POLL_MS: millis(30_000, 100),
  /** A flag unchanged this many days that nobody evaluated, or that served one variation only, is marked stale. */
  FLAG_STALE_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /**
   * How often each process deletes expired sign-in failures, sessions, invitations and finished imports' files
   * (issue 18). Deleting what has expired is idempotent, so replicas running it at once only repeat work.
   */
  CLEANUP_INTERVAL_MS: millis(10 * 60_000, 1_000),
  /**
   * The longest an API token may live (issue 18): a token asked for without an expiry gets this one, a later
   * expiry is refused. Tokens are also revoked when their owner stops being an active ADMIN.
   */
  API_TOKEN_MAX_LIFETIME_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /**
   * Webhooks (issue 20, item 3; docs/decisions/017-webhooks.md): address ranges, as CIDRs separated by commas, that
   * webhooks may be sent to although they are not global unicast (private, loopback, link-local, CGNAT, ...), e.g.
   * `10.20.0.0/16` for receivers inside the cluster. Empty (the default): only global unicast addresses.
   */
  WEBHOOK_ALLOW_PRIVATE_CIDRS: z
    .string()
    .default("")
    .refine((text) => text.split(",").every((part) => part.trim() === "" || ipaddr.isValidCIDR(part.trim())), {
      message: "must be CIDRs separated by commas, such as 10.0.0.0/8,fd00::/8",
    }),
  /**
   * The waits before each retry of a failed webhook delivery, after the first attempt (units ms, s, m, h). When they
   * run out the delivery fails and its endpoint is disabled. Each wait is jittered by up to a fifth either way, and
   * the whole schedule must fit in 24 h with it.
   */
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
    }),
  /** A webhook request's whole deadline, connecting to the answer's last byte read (at most 64 KiB are read). */
  WEBHOOK_TIMEOUT_MS: millis(10_000, 100),
  /** A webhook request's deadline for DNS, TCP and TLS. */
  WEBHOOK_CONNECT_TIMEOUT_MS: millis(5_000, 100),
  /** Endpoints sent to at once (each gets one delivery at a time, in order). */
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /**
   * When set, the relay also publishes every event to NATS JetStream, on `user-console.<type>` (issue 20, item 4;
   * README, "Events on NATS JetStream"): `nats://host:4222`, several separated by commas, `user:password@` or
   * `token@` to authenticate, `tls://` to require TLS. Unset: no NATS.
   */
  NATS_URL: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z
      .string()
      .refine((value) => value.split(",").every((part) => URL.canParse(part.trim()) && /^(nats|tls):$/.test(new URL(part.trim()).protocol)), {
        message: "must be nats://host:4222 (or tls://), several separated by commas",
      })
      .optional(),
  ),
  /** The JetStream stream for the events: created (file storage) when missing, used as it is when present. */
  NATS_STREAM: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be a JetStream stream name: letters, digits, - and _").default("user-console"),
  /**
   * How often the event relay looks at the outbox when nothing nudged it (issue 20). A change made on the
   * relaying replica nudges it at once; one made on another replica waits at most this long.
   */
  EVENTS_POLL_MS: millis(1_000, 10),
  /** Delivered events stay in the outbox this long (for inspection and replay), then the relay prunes them. */
  EVENTS_RETENTION_HOURS: z.coerce.number().int().min(1).max(24 * 365).default(72),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
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
