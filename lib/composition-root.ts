import "server-only";

import type { Config } from "./config";
import { createArgon2PasswordHasher } from "./adapters/argon2/argon2-password-hasher";
import { createLogger } from "./adapters/pino/logger";
import { csvParseReader } from "./adapters/csv/csv-parse-reader";
import { createPQueueWorkerPool } from "./adapters/p-queue/p-queue-worker-pool";
import { createLaunchDarklyFeatureFlags } from "./adapters/launchdarkly/launchdarkly-feature-flags";
import { traced } from "./adapters/otel/traced";
import { withoutTracing } from "./adapters/otel/without-tracing";
import { withDatabaseTracing } from "./adapters/otel/with-database-tracing";
import { createUserBody } from "./api-contract/users";
import { openDatabase } from "./adapters/prisma/open-database";
import { createInMemoryDatabase } from "./adapters/memory/in-memory-database";
import { createPrometheusMetrics, type AppMetrics } from "./adapters/prometheus/metrics";
import { withDatabaseMetrics } from "./adapters/prometheus/with-database-metrics";
import { withDeadline } from "./adapters/resilience/with-deadline";
import { createDatabaseCircuitBreaker, type DatabaseCircuitBreaker } from "./adapters/cockatiel/database-circuit-breaker";
import { systemClock, type Clock } from "./ports/clock";
import type { DatabaseAvailability, DatabaseLifecycle } from "./ports/database";
import type { FeatureFlags, FlagSetup } from "./ports/feature-flags";
import { createPgChangeFeed } from "./adapters/pg/pg-change-feed";
import { CREDENTIAL_CHANGES_CHANNEL, decodeCredentialChanges } from "./adapters/pg/credential-change-messages";
import { withCredentialChanges } from "./adapters/credential-changes/with-credential-changes";
import { createLruCredentialCache, type RunningCredentialCache } from "./adapters/lru-cache/lru-credential-cache";
import { FLAG_CHANGES_CHANNEL } from "./adapters/prisma/prisma-feature-flag-repository";
import { withFlagObservation } from "./adapters/otel/with-flag-observation";
import { withDomainEvents } from "./adapters/domain-events/with-domain-events";
import { fanOutPublisher } from "./adapters/events/fan-out-publisher";
import { singleProcessLeadership } from "./adapters/events/single-process-leadership";
import { createInMemoryEventPublisher } from "./adapters/memory/in-memory-event-publisher";
import { createPgAdvisoryLeadership } from "./adapters/pg/pg-advisory-leadership";
import { createNatsJetStreamPublisher } from "./adapters/nats/nats-jetstream-publisher";
import type { EventPublisher } from "./ports/event-publisher";
import type { RelayLeadership } from "./ports/outbox";
import { makeEventRelay, type EventRelay } from "./use-cases/relay-events";
import { createAddressPolicy } from "./adapters/webhooks/address-policy";
import { createUndiciWebhookSender, type Resolve } from "./adapters/webhooks/undici-webhook-sender";
import { createWebhookPublisher } from "./adapters/webhooks/webhook-publisher";
import { DEFAULT_WEBHOOK_RETRY_SCHEDULE, parseRetrySchedule } from "./domain/webhooks";
import type { WebhookSender } from "./ports/webhooks";
import { makeWebhookWorker } from "./use-cases/deliver-webhooks";
import { makeWebhookUseCases, type WebhookUseCases } from "./use-cases/manage-webhooks";
import type { Logger } from "./ports/logger";
import type { PasswordHasher } from "./ports/password-hasher";
import type { CredentialCache, CredentialChanges } from "./ports/credential-cache";
import type { UnitOfWork } from "./ports/unit-of-work";
import { makeAcceptInvitation, type AcceptInvitation } from "./use-cases/accept-invitation";
import { makeAuthenticate, type Authenticate } from "./use-cases/authenticate";
import { makeBootstrapAdmin } from "./use-cases/bootstrap-admin";
import { makeBulkUpdateUsers, type BulkUpdateUsers } from "./use-cases/bulk-update-users";
import { makeChangePassword, type ChangePassword } from "./use-cases/change-password";
import { makeCountUsersByStatus } from "./use-cases/count-users-by-status";
import { makeCreateUser, type CreateUser } from "./use-cases/create-user";
import { makeDeleteUser, type DeleteUser } from "./use-cases/delete-user";
import { makeExportUsers, type ExportUsers } from "./use-cases/export-users";
import { makeGetUser, type GetUser } from "./use-cases/get-user";
import { makeGetImport, makeListImports, type GetImport, type ListImports } from "./use-cases/get-import";
import { makePreviewImport, type PreviewImport } from "./use-cases/preview-import";
import { IMPORT_EVENT_STREAM_CAPS, makeImportWatchers, type ImportWatchers, type WatchImport } from "./use-cases/watch-import";
import { localLiveChangeSource, makeLiveChanges, type LiveChanges } from "./use-cases/live-changes";
import type { LiveChangeSource } from "./ports/live-changes";
import { DOMAIN_EVENTS_CHANNEL, liveChangesFrom } from "./adapters/pg/live-change-messages";
import type { DomainEvent } from "./domain/events";
import { makeImportRunner, type ImportRunner } from "./use-cases/run-imports";
import { IMPORT_UPLOAD_CAPS, makeStartImport, type StartImport } from "./use-cases/start-import";
import { createConcurrencySlots, type ConcurrencySlots } from "./use-cases/concurrency-slots";
import { makeGetUserOverview, type GetUserOverview } from "./use-cases/get-user-overview";
import { makeInviteUser, type InviteUser } from "./use-cases/invite-user";
import { makeListAuditEvents, type ListAuditEvents } from "./use-cases/list-audit-events";
import { makeListOwnSessions, type ListOwnSessions } from "./use-cases/list-own-sessions";
import { makeListUsers, type ListUsers } from "./use-cases/list-users";
import {
  makeCreateApiToken,
  makeListApiTokens,
  makeRevokeApiToken,
  type CreateApiToken,
  type ListApiTokens,
  type RevokeApiToken,
} from "./use-cases/manage-api-tokens";
import { makeRestoreUser, type RestoreUser } from "./use-cases/restore-user";
import { makeRevokeOwnSession, type RevokeOwnSession } from "./use-cases/revoke-own-session";
import { newSecret } from "./use-cases/secrets";
import { makeSeedDemoUsers } from "./use-cases/seed-demo-users";
import { makeSignIn, type SignIn } from "./use-cases/sign-in";
import { createSignInGate } from "./use-cases/sign-in-gate";
import { makeClearSignInFailures, type ClearSignInFailures } from "./use-cases/clear-sign-in-failures";
import { makePurgeExpired, makeScheduledCleanup, type ScheduledCleanup } from "./use-cases/purge-expired";
import { makeSignOut, type SignOut } from "./use-cases/sign-out";
import { makeLoadLocalFlags } from "./use-cases/load-local-flags";
import { makeExportImportErrors, type ExportImportErrors } from "./use-cases/export-import-errors";
import { makeGetUserStats, type GetUserStats } from "./use-cases/get-user-stats";
import { makeRevertFlag, makeUpdateFlag, type RevertFlag, type UpdateFlag } from "./use-cases/change-flag";
import {
  makeEvaluateCallerFlags,
  makeEvaluateUserFlags,
  type EvaluateCallerFlags,
  type EvaluateUserFlags,
} from "./use-cases/evaluate-user-flags";
import { makeFlagGates, type FlagGates } from "./use-cases/flag-gates";
import { makeFlagHistory, type FlagHistory } from "./use-cases/flag-history";
import { makeFlagSync, type FlagSync } from "./use-cases/flag-sync";
import { makeFlagEvaluationRecorder, type FlagEvaluationRecorder } from "./use-cases/record-flag-evaluations";
import { makeGetFlag, makeListFlags, type GetFlag, type ListFlags } from "./use-cases/list-flags";
import { makeUpdateUser, type UpdateUser } from "./use-cases/update-user";

/**
 * The application, wired. One plain function builds it from configuration (production: Prisma on PostgreSQL
 * or embedded PGlite); a second builds it on in-memory adapters for tests. Nothing else constructs adapters.
 */
export interface App {
  readonly authenticate: Authenticate;
  readonly signIn: SignIn;
  readonly signOut: SignOut;
  /** An ADMIN lifts the sign-in delay on an account (issue 18). */
  readonly clearSignInFailures: ClearSignInFailures;
  /**
   * Deletes expired sign-in failures, sessions, invitations and finished imports' files every CLEANUP_INTERVAL_MS
   * (issue 18): server/main.ts starts it once the server listens and stops it before the database closes.
   */
  readonly cleanup: ScheduledCleanup;
  readonly changePassword: ChangePassword;
  readonly listOwnSessions: ListOwnSessions;
  readonly revokeOwnSession: RevokeOwnSession;
  readonly inviteUser: InviteUser;
  readonly acceptInvitation: AcceptInvitation;
  readonly createApiToken: CreateApiToken;
  readonly listApiTokens: ListApiTokens;
  readonly revokeApiToken: RevokeApiToken;
  readonly listUsers: ListUsers;
  readonly createUser: CreateUser;
  readonly getUser: GetUser;
  readonly updateUser: UpdateUser;
  readonly deleteUser: DeleteUser;
  readonly restoreUser: RestoreUser;
  readonly bulkUpdateUsers: BulkUpdateUsers;
  readonly exportUsers: ExportUsers;
  readonly exportImportErrors: ExportImportErrors;
  readonly getUserStats: GetUserStats;
  readonly getUserOverview: GetUserOverview;
  readonly listAuditEvents: ListAuditEvents;
  readonly startImport: StartImport;
  readonly previewImport: PreviewImport;
  readonly getImport: GetImport;
  readonly listImports: ListImports;
  readonly watchImport: WatchImport;
  /** The event streams open and the jobs polled for them (issue 18): one poller per job, capped streams. */
  readonly importWatchers: Pick<ImportWatchers, "streams" | "pollers">;
  /** The live console's streams (issue 21): each change as it commits, to the browsers connected here. */
  readonly liveChanges: LiveChanges;
  /** Uploads under way in this process (issue 18): capped per principal and per process. */
  readonly importUploads: Pick<ConcurrencySlots, "inUse">;
  /** Runs import jobs in the background: server/main.ts starts it after start-up and stops it before the database closes. */
  readonly importJobs: ImportRunner;
  /**
   * Feature flags evaluated by the LaunchDarkly SDK (issue 9): from this app's database, or from LaunchDarkly
   * when LAUNCHDARKLY_SDK_KEY is set. /ready waits for it; server/main.ts closes it at shutdown.
   */
  readonly featureFlags: FeatureFlags;
  /** Local flags: keeps this replica's SDK in step with the database (server/main.ts starts and stops it); else null. */
  readonly flagSync: FlagSync | null;
  /** Per-day evaluation counts for stale marking: server/main.ts starts it and stops it (a last flush) at shutdown. */
  readonly flagEvaluations: FlagEvaluationRecorder;
  readonly flagGates: FlagGates;
  readonly listFlags: ListFlags;
  readonly getFlag: GetFlag;
  readonly updateFlag: UpdateFlag;
  readonly revertFlag: RevertFlag;
  readonly flagHistory: FlagHistory;
  readonly evaluateUserFlags: EvaluateUserFlags;
  readonly evaluateCallerFlags: EvaluateCallerFlags;
  /**
   * Verified credentials kept in the process (issue 16): server/main.ts starts it (it then hears other replicas'
   * changes) before serving and stops it at shutdown.
   */
  readonly credentialCache: Pick<RunningCredentialCache, "start" | "stop">;
  /**
   * The outbox relay (issue 20): server/main.ts starts it after start-up (it then competes for the relay lease) and
   * stops it before the database closes (which also closes its publishers).
   */
  readonly eventRelay: Pick<EventRelay, "start" | "stop" | "leading" | "nudge">;
  /**
   * Webhook endpoints, their delivery logs and resends (issue 20, item 3). Deliveries are queued by the relay's
   * `webhooks` publisher and sent by a worker that runs beside the relay on its leader (docs/decisions/017).
   */
  readonly webhooks: WebhookUseCases;
  /** The process's Prometheus metrics: server/main.ts serves them at /metrics and times requests into them. */
  readonly metrics: AppMetrics;
  /** Recounts users by status for the gauge (server/main.ts calls it every 30 s, never per scrape). */
  readonly refreshUserGauge: () => Promise<void>;
  readonly config: Pick<Config, "TRUST_PROXY" | "PUBLIC_ORIGIN" | "REQUEST_TIMEOUT_MS">;
  readonly log: Logger;
  readonly database: DatabaseLifecycle;
  /**
   * The circuit breaker over every database port (issue 17): server/main.ts answers pages 503 itself while it is
   * open, /ready names it, and shutdown stops its prober.
   */
  readonly databaseBreaker: DatabaseAvailability & Pick<DatabaseCircuitBreaker, "stop">;
  /** What opening the database did, for the start-up lines the server prints. */
  readonly startup: StartupReport;
}

export interface StartupReport {
  /** "embedded database in ./data" or "PostgreSQL at host:port/db" (no credentials). */
  database: string;
  appliedMigrations: string[];
  /** Demo users created because the embedded database had no users; 0 otherwise. */
  seededUsers: number;
  /**
   * The first ADMIN, created because the database had no users, or given a new one-time password because theirs
   * expired unused; a generated one is printed once, on the terminal.
   */
  bootstrapAdmin: { email: string; password: string; generated: boolean; reissued: boolean } | null;
}

export async function createApp(config: Config, log: Logger): Promise<App> {
  const db = await openDatabase(config, log);
  try {
    const metrics = createPrometheusMetrics();
    metrics.watchConnections(() => db.lifecycle.connections());
    const credentialCache = openCredentialCache(config, log);
    const breaker = openDatabaseBreaker(config, db.lifecycle, metrics, log);
    const events = eventsCue();
    const unitOfWork = decorateDatabasePorts(db.unitOfWork, config, metrics, credentialCache, breaker, events);
    const hasher = createArgon2PasswordHasher();
    const bootstrapAdmin = await makeBootstrapAdmin({
      unitOfWork,
      hasher,
      clock: systemClock,
      email: config.BOOTSTRAP_ADMIN_EMAIL,
      password: config.BOOTSTRAP_ADMIN_PASSWORD,
      // Only the embedded database (a developer's `npm start`) may make one up and print it on the terminal;
      // PostgreSQL's start-up output is a container's log stream (issue 18, item 10).
      mayGenerate: db.kind === "embedded",
    })();
    // Demo data only in the embedded database, and only when it started empty: never in someone's PostgreSQL.
    const seededUsers = db.kind === "embedded" && bootstrapAdmin && !bootstrapAdmin.reissued ? await makeSeedDemoUsers({ unitOfWork })() : 0;
    return wire({
      flags: await openFeatureFlags(config, unitOfWork, log),
      // Publishers from the configuration (NATS when NATS_URL is set) beside the webhooks' (added by wire()).
      events: openEvents(config, [], events, log),
      webhooks: openWebhooks(config),
      unitOfWork,
      credentialCache,
      hasher,
      clock: systemClock,
      config,
      log,
      metrics,
      database: db.lifecycle,
      breaker,
      startup: { database: db.description, appliedMigrations: db.appliedMigrations, seededUsers, bootstrapAdmin },
    });
  } catch (error) {
    await db.lifecycle.close();
    throw error;
  }
}

export interface TestAppOptions {
  /**
   * Faster import timings for tests (issue 18): how often a watched job is read, a stream re-checks its caller, and a
   * paused job asks the flags again. The production values otherwise.
   */
  importTimings?: ImportTimings;
  clock?: Clock;
  /** Fast hashing for tests that sign in many times; argon2id with production parameters by default. */
  hasher?: PasswordHasher;
  log?: Logger;
  /** Where the event relay delivers (issue 20). In-memory app: a recording one by default (returned). */
  eventPublisher?: EventPublisher;
  /**
   * False: changes write no domain events (no outbox rows, nothing relayed or streamed). Only for bench/events.ts,
   * which measures what the outbox costs a write against this; every real wiring raises them.
   */
  domainEvents?: boolean;
  /** How webhook hosts resolve (issue 20, item 3): tests stub DNS so no name is resolved for real. */
  webhookResolve?: Resolve;
}

/** The settings wire() reads, which every app is built with. */
type WiringConfig = Pick<
  Config,
  | "TRUST_PROXY"
  | "PUBLIC_ORIGIN"
  | "REQUEST_TIMEOUT_MS"
  | "IMPORT_LEASE_MS"
  | "FLAG_STALE_DAYS"
  | "CLEANUP_INTERVAL_MS"
  | "API_TOKEN_MAX_LIFETIME_DAYS"
>;

export interface InMemoryAppOptions extends TestAppOptions {
  config?: Partial<
    WiringConfig &
      Pick<
        Config,
        | "DB_TIMEOUT_MS"
        | "DB_BREAKER_FAILURES"
        | "DB_BREAKER_HALF_OPEN_MS"
        | "AUTH_CACHE_TTL_MS"
        | "EVENTS_POLL_MS"
        | "EVENTS_RETENTION_HOURS"
        | "WEBHOOK_ALLOW_PRIVATE_CIDRS"
        | "WEBHOOK_RETRY_SCHEDULE"
        | "WEBHOOK_TIMEOUT_MS"
        | "WEBHOOK_CONNECT_TIMEOUT_MS"
        | "WEBHOOK_CONCURRENCY"
        // Flags from LaunchDarkly (a stand-in in tests) rather than from the in-memory database.
        | "LAUNCHDARKLY_SDK_KEY"
        | "LAUNCHDARKLY_BASE_URI"
        | "LAUNCHDARKLY_STREAM_URI"
        | "LAUNCHDARKLY_EVENTS_URI"
      >
  >;
}

/** The same application on in-memory adapters: for unit tests and anything that must not touch a database. */
export async function createInMemoryApp(options: InMemoryAppOptions = {}) {
  const clock = options.clock ?? systemClock;
  const db = createInMemoryDatabase({ now: () => clock.now() });
  const config = {
    DB_TIMEOUT_MS: 5_000,
    DB_BREAKER_FAILURES: 5,
    DB_BREAKER_HALF_OPEN_MS: 5_000,
    REQUEST_TIMEOUT_MS: 5_000,
    AUTH_CACHE_TTL_MS: 30_000,
    IMPORT_LEASE_MS: 30_000,
    FLAG_STALE_DAYS: 30,
    CLEANUP_INTERVAL_MS: 10 * 60_000,
    API_TOKEN_MAX_LIFETIME_DAYS: 90,
    TRUST_PROXY: false,
    PUBLIC_ORIGIN: undefined,
    ...options.config,
  };
  const metrics = createPrometheusMetrics({ processMetrics: false });
  const log = options.log ?? createLogger({ LOG_LEVEL: "silent" });
  const credentialCache = openCredentialCache(config, log);
  const breaker = openDatabaseBreaker(config, db.lifecycle, metrics, log);
  const events = eventsCue();
  const unitOfWork = decorateDatabasePorts(db.unitOfWork, config, metrics, credentialCache, breaker, events);
  const hasher = options.hasher ?? createArgon2PasswordHasher();
  const eventPublisher = options.eventPublisher ?? createInMemoryEventPublisher();
  const app = wire({
    importTimings: options.importTimings,
    events: openEvents({ ...EVENT_DEFAULTS, ...options.config }, [eventPublisher], events, log),
    webhooks: openWebhooks({ ...WEBHOOK_DEFAULTS, ...options.config }, options.webhookResolve),
    flags: await openFeatureFlags(options.config ?? {}, unitOfWork, log),
    unitOfWork,
    credentialCache,
    hasher,
    clock,
    config,
    metrics,
    log,
    database: db.lifecycle,
    breaker,
    startup: { database: "in-memory", appliedMigrations: [], seededUsers: 0, bootstrapAdmin: null },
  });
  return { app, unitOfWork, eventPublisher, failAuditAppends: db.failAuditAppends, setDatabaseUnreachable: db.setUnreachable };
}

/**
 * The production wiring on a real database (PostgreSQL at DATABASE_URL, else PGlite in DATA_DIR), but with no
 * first admin and no demo data: for tests that need the database's own behaviour (locks, cancellation, plans).
 */
export async function createDatabaseTestApp(config: Config, options: TestAppOptions = {}) {
  const log = options.log ?? createLogger({ LOG_LEVEL: "silent" });
  const db = await openDatabase(config, log);
  const metrics = createPrometheusMetrics({ processMetrics: false });
  metrics.watchConnections(() => db.lifecycle.connections());
  const credentialCache = openCredentialCache(config, log);
  const breaker = openDatabaseBreaker(config, db.lifecycle, metrics, log);
  const events = eventsCue();
  const unitOfWork = decorateDatabasePorts(db.unitOfWork, config, metrics, credentialCache, breaker, options.domainEvents === false ? null : events);
  const app = wire({
    importTimings: options.importTimings,
    events: openEvents(config, options.eventPublisher ? [options.eventPublisher] : [], events, log),
    webhooks: openWebhooks(config, options.webhookResolve),
    flags: await openFeatureFlags(config, unitOfWork, log),
    metrics,
    unitOfWork,
    credentialCache,
    hasher: options.hasher ?? createArgon2PasswordHasher(),
    clock: options.clock ?? systemClock,
    config,
    log,
    database: db.lifecycle,
    breaker,
    startup: { database: db.description, appliedMigrations: db.appliedMigrations, seededUsers: 0, bootstrapAdmin: null },
  });
  return { app, unitOfWork };
}

/**
 * The one place where database ports are wrapped with cross-cutting concerns, innermost first: the domain events
 * derived from each audit entry (issue 20) and the credential changes a unit makes are announced to every replica's cache (issue 16); timing of each unit and repository
 * call (so a unit cut by its deadline is measured as the error it was) and a span for each (issue 8); the
 * circuit breaker (issue 17), outside them, so a unit it refuses costs no span and is not timed as database
 * work, and a read it tries again is measured as the two attempts it was; outermost, a deadline per unit of
 * work, whose signal the breaker's retry honours. Concurrency is bounded by the pool (DB_POOL_SIZE,
 * DB_POOL_WAIT_MS: 503 DATABASE_BUSY past the wait).
 */
function decorateDatabasePorts(
  unitOfWork: UnitOfWork,
  config: Pick<Config, "DB_TIMEOUT_MS">,
  metrics: AppMetrics,
  credentialChanges: CredentialChanges,
  breaker: DatabaseCircuitBreaker,
  events: EventsCue | null,
): UnitOfWork {
  // Domain events and credential changes innermost: only the adapter's run settles after the commit (see
  // with-credential-changes.ts), and the events must be appended in the change's own transaction.
  const raising = events ? withDomainEvents(unitOfWork, { committed: (raised) => events.committed(raised) }) : unitOfWork;
  const announced = withCredentialChanges(raising, credentialChanges);
  return withDeadline(breaker.guard(withDatabaseTracing(withDatabaseMetrics(announced, metrics))), config.DB_TIMEOUT_MS);
}

/** The database's circuit breaker; its probe is the readiness ping (`SELECT 1`). */
function openDatabaseBreaker(
  config: Pick<Config, "DB_BREAKER_FAILURES" | "DB_BREAKER_HALF_OPEN_MS" | "DB_TIMEOUT_MS">,
  database: DatabaseLifecycle,
  metrics: AppMetrics,
  log: Logger,
): DatabaseCircuitBreaker {
  return createDatabaseCircuitBreaker({
    name: "database",
    failures: config.DB_BREAKER_FAILURES,
    halfOpenAfterMs: config.DB_BREAKER_HALF_OPEN_MS,
    probe: (signal) => database.ping(signal),
    probeTimeoutMs: config.DB_TIMEOUT_MS,
    log,
    onTransition: (from, to) => metrics.recordBreakerTransition("database", from, to),
  });
}

/**
 * Verified credentials kept in the process; on PostgreSQL, changes reach the other replicas on the
 * `credential_changes` channel (the embedded and in-memory databases have one process, no one else to tell).
 */
function openCredentialCache(
  config: Partial<Pick<Config, "DATABASE_URL">> & Pick<Config, "AUTH_CACHE_TTL_MS">,
  log: Logger,
): RunningCredentialCache {
  return createLruCredentialCache({
    ttlMs: config.AUTH_CACHE_TTL_MS,
    unknownTtlMs: Math.min(config.AUTH_CACHE_TTL_MS, UNKNOWN_CREDENTIAL_TTL_MS),
    max: CREDENTIAL_CACHE_SIZE,
    feed: config.DATABASE_URL ? createPgChangeFeed(config.DATABASE_URL, CREDENTIAL_CHANGES_CHANNEL, "credential changes", log) : null,
    decode: decodeCredentialChanges,
  });
}

/** A secret no token or session has is refused from memory this long (a token may be created on another replica). */
const UNKNOWN_CREDENTIAL_TTL_MS = 5_000;
/** Tokens and sessions in use at once, per process: far more than a console has; the least recently used go first. */
const CREDENTIAL_CACHE_SIZE = 10_000;

/**
 * The flags' SDK: LaunchDarkly itself when an SDK key is configured, else the flags stored in our database (the
 * declared ones stored first if missing) in the SDK's TestData source. Waits for the SDK's first flag data; an
 * SDK that cannot get it keeps answering each flag's declared fallback, and /ready says so.
 */
async function openFeatureFlags(
  config: Partial<
    Pick<Config, "LAUNCHDARKLY_SDK_KEY" | "LAUNCHDARKLY_BASE_URI" | "LAUNCHDARKLY_STREAM_URI" | "LAUNCHDARKLY_EVENTS_URI" | "FLAG_POLL_MS" | "DATABASE_URL">
  >,
  unitOfWork: UnitOfWork,
  log: Logger,
): Promise<OpenedFlags> {
  if (config.LAUNCHDARKLY_SDK_KEY) {
    const flags = createLaunchDarklyFeatureFlags(
      {
        kind: "launchdarkly",
        sdkKey: config.LAUNCHDARKLY_SDK_KEY,
        baseUri: config.LAUNCHDARKLY_BASE_URI,
        streamUri: config.LAUNCHDARKLY_STREAM_URI,
        eventsUri: config.LAUNCHDARKLY_EVENTS_URI,
      },
      log,
    );
    await flags.waitUntilReady();
    return { setup: { mode: "launchdarkly", flags }, sync: null };
  }
  const initial = await makeLoadLocalFlags({ unitOfWork })();
  const flags = createLaunchDarklyFeatureFlags({ kind: "local", flags: initial }, log);
  await flags.waitUntilReady();
  const sync = makeFlagSync({
    unitOfWork,
    flags,
    initial,
    // Replicas share PostgreSQL; the embedded database is one process, with no one else to hear from.
    feed: config.DATABASE_URL ? createPgChangeFeed(config.DATABASE_URL, FLAG_CHANGES_CHANNEL, "flag changes", log) : null,
    pollMs: config.FLAG_POLL_MS ?? 30_000,
    log,
  });
  return { setup: { mode: "local", flags }, sync };
}

interface OpenedFlags {
  setup: FlagSetup;
  /** Local flags only: keeps this replica's SDK in step with the stored flags (server/main.ts starts it). */
  sync: FlagSync | null;
}

/**
 * Tells the event relay that a unit committed events. Made before the relay exists (the unit of work is decorated
 * first, the relay built on it), so the relay is plugged in when it is made.
 */
interface EventsCue {
  committed(events: readonly DomainEvent[]): void;
  relay: Pick<EventRelay, "nudge"> | null;
  /** The live console's source on a single-process database (null on PostgreSQL, where NOTIFY tells every replica). */
  local: ReturnType<typeof localLiveChangeSource> | null;
}
function eventsCue(): EventsCue {
  return {
    relay: null,
    local: null,
    committed(events) {
      this.relay?.nudge();
      this.local?.committed(events);
    },
  };
}

const EVENT_DEFAULTS = { EVENTS_POLL_MS: 1_000, EVENTS_RETENTION_HOURS: 72 } as const;

interface OpenedEvents {
  leadership: RelayLeadership;
  publisher: EventPublisher;
  /** What the live console's streams hear (issue 21). */
  live: LiveChangeSource;
  pollMs: number;
  retentionMs: number;
  cue: EventsCue;
}

/**
 * The relay's parts: on PostgreSQL, replicas elect one relay with an advisory lock (docs/decisions/016); the
 * embedded and in-memory databases have one process, which leads.
 */
function openEvents(
  config: Partial<Pick<Config, "DATABASE_URL">> &
    Pick<Config, "EVENTS_POLL_MS" | "EVENTS_RETENTION_HOURS"> &
    ({ NATS_URL?: undefined } | Pick<Config, "NATS_URL" | "NATS_STREAM">),
  publishers: readonly EventPublisher[],
  cue: EventsCue,
  log: Logger,
): OpenedEvents {
  // NATS JetStream (issue 20, item 4) when NATS_URL is set: it connects at the first publish, so start-up and
  // /ready never wait for the broker.
  const nats =
    config.NATS_URL !== undefined
      ? [createNatsJetStreamPublisher({ url: config.NATS_URL, stream: config.NATS_STREAM, log: log.child({ component: "nats" }) })]
      : [];
  // The live console: on PostgreSQL every replica listens to the events' NOTIFY (its own commits included, so all
  // hear them in one order); the embedded and in-memory databases have this process alone.
  cue.local = config.DATABASE_URL ? null : localLiveChangeSource();
  const live = config.DATABASE_URL
    ? liveChangesFrom(createPgChangeFeed(config.DATABASE_URL, DOMAIN_EVENTS_CHANNEL, "live console", log.child({ component: "live-changes" })))
    : cue.local!;
  return {
    leadership: config.DATABASE_URL
      ? createPgAdvisoryLeadership({ connectionString: config.DATABASE_URL, log: log.child({ component: "event-relay" }) })
      : singleProcessLeadership(),
    publisher: fanOutPublisher([...publishers, ...nats]),
    live,
    pollMs: config.EVENTS_POLL_MS,
    retentionMs: config.EVENTS_RETENTION_HOURS * 3_600_000,
    cue,
  };
}

const WEBHOOK_DEFAULTS = {
  WEBHOOK_ALLOW_PRIVATE_CIDRS: "",
  WEBHOOK_RETRY_SCHEDULE: parseRetrySchedule(DEFAULT_WEBHOOK_RETRY_SCHEDULE),
  WEBHOOK_TIMEOUT_MS: 10_000,
  WEBHOOK_CONNECT_TIMEOUT_MS: 5_000,
  WEBHOOK_CONCURRENCY: 4,
} as const;

type WebhookConfig = Pick<
  Config,
  "WEBHOOK_ALLOW_PRIVATE_CIDRS" | "WEBHOOK_RETRY_SCHEDULE" | "WEBHOOK_TIMEOUT_MS" | "WEBHOOK_CONNECT_TIMEOUT_MS" | "WEBHOOK_CONCURRENCY"
>;

interface OpenedWebhooks {
  sender: WebhookSender;
  schedule: readonly number[];
  concurrency: number;
}

/** The webhook sender (undici, Standard Webhooks signatures, the SSRF address policy) and the worker's settings. */
function openWebhooks(config: WebhookConfig, resolve?: Resolve): OpenedWebhooks {
  return {
    sender: createUndiciWebhookSender({
      policy: createAddressPolicy(config.WEBHOOK_ALLOW_PRIVATE_CIDRS),
      connectTimeoutMs: config.WEBHOOK_CONNECT_TIMEOUT_MS,
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      resolve,
    }),
    schedule: config.WEBHOOK_RETRY_SCHEDULE,
    concurrency: config.WEBHOOK_CONCURRENCY,
  };
}

/** How often a process adds its flag evaluation counts to the database's. */
const FLAG_COUNTS_FLUSH_MS = 60_000;

/** Import batches written at once per process: two keep PostgreSQL busy without starving requests of connections. */
const IMPORT_WORKERS = 2;

interface ImportTimings {
  pollMs?: number;
  streamRecheckMs?: number;
  pauseCheckMs?: number;
}

function wire(deps: {
  importTimings?: ImportTimings;
  events: OpenedEvents;
  webhooks: OpenedWebhooks;
  flags: OpenedFlags;
  unitOfWork: UnitOfWork;
  credentialCache: CredentialCache & Pick<RunningCredentialCache, "start" | "stop">;
  hasher: PasswordHasher;
  clock: Clock;
  config: WiringConfig;
  log: Logger;
  metrics: AppMetrics;
  database: DatabaseLifecycle;
  breaker: DatabaseCircuitBreaker;
  startup: StartupReport;
}): App {
  const { unitOfWork, hasher, clock } = deps;
  const mode = deps.flags.setup.mode;
  // Every evaluation the app's code paths make: counted (Prometheus and the per-day counts behind stale
  // marking) and put on the active span.
  const flagEvaluations = makeFlagEvaluationRecorder({ unitOfWork, clock, flushMs: FLAG_COUNTS_FLUSH_MS, log: deps.log });
  const featureFlags = withFlagObservation(deps.flags.setup.flags, deps.metrics, flagEvaluations.count);
  // Showing someone's variations (user pages, the overview) is not the code asking: counted and traced, but left
  // out of the per-day counts, or viewing users would keep every flag from ever looking stale.
  const shownFlags = withFlagObservation(deps.flags.setup.flags, deps.metrics, () => undefined);
  const evaluateUserFlags = traced("evaluateUserFlags", makeEvaluateUserFlags({ unitOfWork, flags: shownFlags }));
  // Unknown emails are verified against this, so they cost what a wrong password costs (use-cases/sign-in.ts).
  const dummyHash = hasher.hash(newSecret());
  // Traced like the rest: every 30 s it is the root of its own trace (server/main.ts refreshes the gauge).
  const countUsersByStatus = traced("countUsersByStatus", makeCountUsersByStatus({ unitOfWork }));
  // One pool per process for every import job: a fixed number of batches write at once (issue 6).
  const importPool = createPQueueWorkerPool({ concurrency: IMPORT_WORKERS });
  deps.metrics.watchImportPool(() => ({ queued: importPool.size, running: importPool.pending }));
  const flagGates = makeFlagGates({ flags: featureFlags });
  const importJobs = makeImportRunner({
    unitOfWork,
    clock,
    // Jobs pause while the flags refuse their uploader's writes, as the upload itself would be (issue 18).
    pauseReason: (uploader) => flagGates.importPauseReason(uploader),
    pool: importPool,
    csv: csvParseReader,
    // The rules of POST /users, row by row: imported users are held to the same ones.
    rowSchema: createUserBody,
    log: deps.log,
    leaseMs: deps.config.IMPORT_LEASE_MS,
    pauseCheckMs: deps.importTimings?.pauseCheckMs,
  });
  // Keys the database refused a moment ago, refused again from memory (issue 18: a flood costs no database work).
  const signInGate = createSignInGate(clock);
  const cleanup = makeScheduledCleanup({
    purge: traced("purgeExpired", makePurgeExpired({ unitOfWork, clock, log: deps.log })),
    intervalMs: deps.config.CLEANUP_INTERVAL_MS,
    log: deps.log,
    onRun: (run) => deps.metrics.countCleanup(run),
  });
  // Import progress streams and live console streams count against the same caps (issue 21).
  const streamSlots = createConcurrencySlots("event streams", IMPORT_EVENT_STREAM_CAPS);
  const importWatchers = makeImportWatchers({
    unitOfWork,
    clock,
    slots: streamSlots,
    intervalMs: deps.importTimings?.pollMs,
    recheckMs: deps.importTimings?.streamRecheckMs,
  });
  const liveChanges = makeLiveChanges({ source: deps.events.live, slots: streamSlots, recheckMs: deps.importTimings?.streamRecheckMs });
  const importUploads = createConcurrencySlots("import uploads", IMPORT_UPLOAD_CAPS);
  // Webhooks (issue 20, item 3): the relay queues deliveries through its `webhooks` publisher; the worker sends
  // them while this process leads the relay, so one process at a time sends, whichever replica it is.
  const webhookWorker = makeWebhookWorker({
    // Its polls for due deliveries are not traced, as the relay's are not (its metrics tell how deliveries go).
    unitOfWork: withoutTracing(unitOfWork),
    sender: deps.webhooks.sender,
    clock,
    log: deps.log.child({ component: "webhooks" }),
    observer: deps.metrics.webhooks,
    schedule: deps.webhooks.schedule,
    concurrency: deps.webhooks.concurrency,
    pollMs: deps.events.pollMs,
    retentionMs: deps.events.retentionMs,
  });
  const publisher = fanOutPublisher([createWebhookPublisher({ unitOfWork, clock, queued: webhookWorker.nudge }), deps.events.publisher]);
  const relay = makeEventRelay({
    // Its polls, every second on every replica, are not traced (its metrics tell its lag, deliveries and failures).
    unitOfWork: withoutTracing(unitOfWork),
    leadership: deps.events.leadership,
    publisher,
    clock,
    log: deps.log.child({ component: "event-relay" }),
    observer: deps.metrics.eventRelay,
    pollMs: deps.events.pollMs,
    retentionMs: deps.events.retentionMs,
    whileLeading: [webhookWorker.run],
  });
  deps.events.cue.relay = relay;
  const eventRelay: App["eventRelay"] = {
    start: relay.start,
    nudge: relay.nudge,
    leading: relay.leading,
    async stop() {
      await relay.stop();
      await publisher.close();
      await deps.webhooks.sender.close();
    },
  };
  const webhooks = makeWebhookUseCases({ unitOfWork, clock, destinations: deps.webhooks.sender, queued: webhookWorker.nudge });
  // Each use case in a span of its own (lib/adapters/otel/traced.ts), named after its key here. Not watchImport:
  // it is a stream that lasts as long as the client watches, and its reads are spans of their own.
  return {
    authenticate: traced("authenticate", makeAuthenticate({ unitOfWork, clock, cache: deps.credentialCache, log: deps.log })),
    signIn: traced(
      "signIn",
      makeSignIn({
        unitOfWork,
        hasher,
        clock,
        dummyHash,
        gate: signInGate,
        onThrottled: (stage) => deps.metrics.countSignInThrottled(stage),
      }),
    ),
    signOut: traced("signOut", makeSignOut({ unitOfWork })),
    clearSignInFailures: traced("clearSignInFailures", makeClearSignInFailures({ unitOfWork, gate: signInGate })),
    cleanup,
    changePassword: traced("changePassword", makeChangePassword({ unitOfWork, hasher, clock })),
    listOwnSessions: traced("listOwnSessions", makeListOwnSessions({ unitOfWork, clock })),
    revokeOwnSession: traced("revokeOwnSession", makeRevokeOwnSession({ unitOfWork })),
    inviteUser: traced("inviteUser", makeInviteUser({ unitOfWork, clock })),
    acceptInvitation: traced("acceptInvitation", makeAcceptInvitation({ unitOfWork, hasher, clock })),
    createApiToken: traced("createApiToken", makeCreateApiToken({ unitOfWork, clock, maxLifetimeDays: deps.config.API_TOKEN_MAX_LIFETIME_DAYS })),
    listApiTokens: traced("listApiTokens", makeListApiTokens({ unitOfWork })),
    revokeApiToken: traced("revokeApiToken", makeRevokeApiToken({ unitOfWork, clock })),
    listUsers: traced("listUsers", makeListUsers({ unitOfWork })),
    createUser: traced("createUser", makeCreateUser({ unitOfWork, clock })),
    getUser: traced("getUser", makeGetUser({ unitOfWork })),
    updateUser: traced("updateUser", makeUpdateUser({ unitOfWork })),
    deleteUser: traced("deleteUser", makeDeleteUser({ unitOfWork })),
    restoreUser: traced("restoreUser", makeRestoreUser({ unitOfWork })),
    bulkUpdateUsers: traced("bulkUpdateUsers", makeBulkUpdateUsers({ unitOfWork, log: deps.log })),
    exportUsers: traced("exportUsers", makeExportUsers({ unitOfWork })),
    exportImportErrors: traced("exportImportErrors", makeExportImportErrors({ unitOfWork })),
    getUserStats: traced("getUserStats", makeGetUserStats({ unitOfWork, clock })),
    getUserOverview: traced("getUserOverview", makeGetUserOverview({ unitOfWork, clock, evaluateUserFlags })),
    listAuditEvents: traced("listAuditEvents", makeListAuditEvents({ unitOfWork })),
    startImport: traced(
      "startImport",
      makeStartImport({ unitOfWork, clock, csv: csvParseReader, runner: importJobs, uploads: importUploads, log: deps.log }),
    ),
    previewImport: traced(
      "previewImport",
      makePreviewImport({ unitOfWork, csv: csvParseReader, rowSchema: createUserBody, uploads: importUploads }),
    ),
    getImport: traced("getImport", makeGetImport({ unitOfWork })),
    listImports: traced("listImports", makeListImports({ unitOfWork })),
    watchImport: importWatchers.watch,
    importWatchers,
    liveChanges,
    importUploads,
    importJobs,
    featureFlags,
    flagSync: deps.flags.sync,
    flagEvaluations,
    flagGates,
    listFlags: traced("listFlags", makeListFlags({ unitOfWork, mode, clock, staleDays: deps.config.FLAG_STALE_DAYS })),
    getFlag: traced("getFlag", makeGetFlag({ unitOfWork, mode, clock, staleDays: deps.config.FLAG_STALE_DAYS })),
    updateFlag: traced("updateFlag", makeUpdateFlag({ unitOfWork, mode, sync: deps.flags.sync })),
    revertFlag: traced("revertFlag", makeRevertFlag({ unitOfWork, mode, sync: deps.flags.sync })),
    flagHistory: traced("flagHistory", makeFlagHistory({ unitOfWork })),
    evaluateUserFlags,
    evaluateCallerFlags: makeEvaluateCallerFlags({ flags: featureFlags }),
    credentialCache: deps.credentialCache,
    eventRelay,
    webhooks: {
      createWebhook: traced("createWebhook", webhooks.createWebhook),
      listWebhooks: traced("listWebhooks", webhooks.listWebhooks),
      getWebhook: traced("getWebhook", webhooks.getWebhook),
      updateWebhook: traced("updateWebhook", webhooks.updateWebhook),
      deleteWebhook: traced("deleteWebhook", webhooks.deleteWebhook),
      rotateWebhookSecret: traced("rotateWebhookSecret", webhooks.rotateWebhookSecret),
      listWebhookDeliveries: traced("listWebhookDeliveries", webhooks.listWebhookDeliveries),
      resendWebhookDelivery: traced("resendWebhookDelivery", webhooks.resendWebhookDelivery),
    },
    metrics: deps.metrics,
    refreshUserGauge: async () => {
      const counts = await countUsersByStatus();
      deps.metrics.setUsersByStatus({
        ACTIVE: counts.ACTIVE.count,
        DISABLED: counts.DISABLED.count,
        INVITED: counts.INVITED.count,
      });
    },
    config: deps.config,
    log: deps.log,
    // /ready's database checks go through the breaker too; its own probe does not (openDatabaseBreaker).
    database: deps.breaker.guardLifecycle(deps.database),
    databaseBreaker: deps.breaker,
    startup: deps.startup,
  };
}
