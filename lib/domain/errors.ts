/**
 * Typed domain errors with a closed set of codes. lib/http maps each code to an HTTP status in one table;
 * adapters translate their own failures (Prisma P2002, ...) into these.
 */

export const ERROR_CODES = [
  "USER_EMAIL_TAKEN",
  "USER_NOT_FOUND",
  "USER_VERSION_CONFLICT",
  "INVALID_CURSOR",
  "DEADLINE_EXCEEDED",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "PASSWORD_CHANGE_REQUIRED",
  "INVALID_CREDENTIALS",
  "TOO_MANY_ATTEMPTS",
  "TOO_MANY_CONCURRENT_REQUESTS",
  "ONE_TIME_PASSWORD_EXPIRED",
  "WRONG_PASSWORD",
  "LAST_ADMIN",
  "INVITATION_INVALID",
  "TOKEN_NOT_FOUND",
  "TOKEN_LIFETIME_TOO_LONG",
  "SESSION_NOT_FOUND",
  "IDEMPOTENCY_KEY_REUSED",
  "DATABASE_BUSY",
  "DATABASE_UNAVAILABLE",
  "BULK_LIMIT_EXCEEDED",
  "IMPORT_NOT_FOUND",
  "IMPORT_FILE_INVALID",
  "FLAG_NOT_FOUND",
  "FLAG_VERSION_CONFLICT",
  "FLAG_INVALID",
  "FLAGS_MANAGED_ELSEWHERE",
  "READ_ONLY_MODE",
  "FEATURE_OFF",
  "WEBHOOK_NOT_FOUND",
  "WEBHOOK_DELIVERY_NOT_FOUND",
  "WEBHOOK_URL_REFUSED",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * An Error whose class names it explicitly: `super(message, { name: "UserNotFoundError" })`. Errors are matched by
 * name across the two bundles of lib/ (docs/decisions/002-own-server.md), and a minifier renames classes, so the
 * name is spelled out rather than read from the class (`new.target.name`).
 */
export class NamedError extends Error {
  constructor(message: string, { name, ...options }: ErrorOptions & { name: string }) {
    super(message, options);
    this.name = name;
  }
}

export abstract class DomainError extends NamedError {
  abstract readonly code: ErrorCode;
}

export class EmailTakenError extends DomainError {
  readonly code = "USER_EMAIL_TAKEN";
  constructor(readonly email: string) {
    super(`A user with email ${email} already exists`, { name: "EmailTakenError" });
  }
}

export class UserNotFoundError extends DomainError {
  readonly code = "USER_NOT_FOUND";
  constructor(readonly userId: string) {
    super(
      `User ${userId} does not exist, or is deleted (an ADMIN lists deleted users with includeDeleted=true)`,
      { name: "UserNotFoundError" },
    );
  }
}

export class VersionConflictError extends DomainError {
  readonly code = "USER_VERSION_CONFLICT";
  constructor(
    readonly userId: string,
    readonly expectedVersion: number,
    readonly actualVersion: number | null,
  ) {
    super(
      actualVersion === null
        ? `User ${userId} was changed concurrently; reload it and try again`
        : `User ${userId} is at version ${actualVersion}, not ${expectedVersion}; reload it and try again`,
      { name: "VersionConflictError" },
    );
  }
}

export class InvalidCursorError extends DomainError {
  readonly code = "INVALID_CURSOR";
  constructor(reason: string) {
    super(`Invalid page cursor: ${reason}`, { name: "InvalidCursorError" });
  }
}

export class DeadlineExceededError extends DomainError {
  readonly code = "DEADLINE_EXCEEDED";
  constructor(readonly deadlineMs: number) {
    super(`The request did not finish within its deadline of ${deadlineMs} ms`, { name: "DeadlineExceededError" });
  }
}

export class UnauthenticatedError extends DomainError {
  readonly code = "UNAUTHENTICATED";
  constructor(detail = "Sign in, or send an API token as Authorization: Bearer <token>") {
    super(detail, { name: "UnauthenticatedError" });
  }
}

export class ForbiddenError extends DomainError {
  readonly code = "FORBIDDEN";
  constructor(detail: string) {
    super(detail, { name: "ForbiddenError" });
  }
}

export class PasswordChangeRequiredError extends DomainError {
  readonly code = "PASSWORD_CHANGE_REQUIRED";
  constructor() {
    super(
      "Change your one-time password first (PUT /api/v1/session/password)",
      { name: "PasswordChangeRequiredError" },
    );
  }
}

/** The same error, word for word, for an unknown email, a wrong password and an account that may not sign in. */
export class InvalidCredentialsError extends DomainError {
  readonly code = "INVALID_CREDENTIALS";
  constructor() {
    super("Email or password is incorrect", { name: "InvalidCredentialsError" });
  }
}

export class TooManyAttemptsError extends DomainError {
  readonly code = "TOO_MANY_ATTEMPTS";
  constructor(readonly retryAfterSeconds: number) {
    super(
      retryAfterSeconds < 60
        ? `Too many failed sign-ins; try again in ${retryAfterSeconds} second(s)`
        : `Too many failed sign-ins; try again in ${Math.ceil(retryAfterSeconds / 60)} minute(s)`,
      { name: "TooManyAttemptsError" },
    );
  }
}

/**
 * A principal, or the whole process, already has as many of some long or heavy request open as it may (issue 18:
 * import uploads, import event streams): try again once one has ended (HTTP 429 with Retry-After).
 */
export class ConcurrencyLimitError extends DomainError {
  readonly code = "TOO_MANY_CONCURRENT_REQUESTS";
  constructor(
    /** What is limited, as the caller would say it: "import uploads", "import event streams". */
    readonly what: string,
    /** Whose limit was reached: the caller's own, or the process's (everyone's on this replica). */
    readonly scope: "principal" | "process",
    readonly limit: number,
    readonly retryAfterSeconds: number,
  ) {
    super(
      scope === "principal"
        ? `You have ${limit} ${what} open already, the most one caller may have at once: wait for one to end and try again`
        : `This server has ${limit} ${what} open already, the most it takes at once: try again in ${retryAfterSeconds} seconds`,
      { name: "ConcurrencyLimitError" },
    );
  }
}

/** The right one-time password, past ONE_TIME_PASSWORD_TTL_MS: said only after the password was verified. */
export class OneTimePasswordExpiredError extends DomainError {
  readonly code = "ONE_TIME_PASSWORD_EXPIRED";
  constructor() {
    super(
      "This one-time password expired 24 hours after it was issued. Whoever runs the server gets a new one by " +
        "restarting it (on PostgreSQL with BOOTSTRAP_ADMIN_PASSWORD set)",
      { name: "OneTimePasswordExpiredError" },
    );
  }
}

export class WrongPasswordError extends DomainError {
  readonly code = "WRONG_PASSWORD";
  constructor() {
    super("The current password is not correct", { name: "WrongPasswordError" });
  }
}

export class LastAdminError extends DomainError {
  readonly code = "LAST_ADMIN";
  constructor() {
    super("This is the last active admin: make someone else an active admin first", { name: "LastAdminError" });
  }
}

export class InvitationInvalidError extends DomainError {
  readonly code = "INVITATION_INVALID";
  constructor() {
    super(
      "This invitation has expired or was already used; ask an administrator for a new one",
      { name: "InvitationInvalidError" },
    );
  }
}

export class TokenNotFoundError extends DomainError {
  readonly code = "TOKEN_NOT_FOUND";
  constructor(readonly tokenId: string) {
    super(`API token ${tokenId} does not exist`, { name: "TokenNotFoundError" });
  }
}

export class TokenLifetimeTooLongError extends DomainError {
  readonly code = "TOKEN_LIFETIME_TOO_LONG";
  constructor(readonly maxDays: number) {
    super(
      `An API token may live at most ${maxDays} days: choose an earlier expiry (or none, for the longest)`,
      { name: "TokenLifetimeTooLongError" },
    );
  }
}

export class SessionNotFoundError extends DomainError {
  readonly code = "SESSION_NOT_FOUND";
  constructor() {
    super("No such session of yours", { name: "SessionNotFoundError" });
  }
}

export class IdempotencyKeyReusedError extends DomainError {
  readonly code = "IDEMPOTENCY_KEY_REUSED";
  constructor(readonly key: string) {
    super(
      `Idempotency-Key ${key} was already used for a different request; use a new key for a new request`,
      { name: "IdempotencyKeyReusedError" },
    );
  }
}

/**
 * Every database connection stayed busy past the wait for one, or PostgreSQL rolled the unit back as a deadlock's
 * victim (it collided with another unit): nothing of it stands; try again shortly (HTTP 503).
 */
export class DatabaseBusyError extends DomainError {
  readonly code = "DATABASE_BUSY";
  readonly retryAfterSeconds = 1;
  constructor() {
    super("The database is busy; try again in a moment", { name: "DatabaseBusyError" });
  }
}

/**
 * The database cannot be reached (refused, connection lost, server shutting down), or has failed so often in a
 * row that the circuit breaker stopped trying (issue 17): try again after `retryAfterSeconds` (HTTP 503). Not a
 * bug of ours nor of the caller's, so it is never logged per request.
 */
export class DatabaseUnavailableError extends DomainError {
  readonly code = "DATABASE_UNAVAILABLE";
  constructor(
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(
      `The database is unavailable; try again in ${retryAfterSeconds} second(s)`,
      { ...options, name: "DatabaseUnavailableError" },
    );
  }
}

export class ImportNotFoundError extends DomainError {
  readonly code = "IMPORT_NOT_FOUND";
  constructor(readonly importId: string) {
    super(`Import ${importId} does not exist`, { name: "ImportNotFoundError" });
  }
}

/** The file cannot be imported at all (not UTF-8, no header, a required column missing): nothing was queued. */
export class ImportFileInvalidError extends DomainError {
  readonly code = "IMPORT_FILE_INVALID";
  constructor(detail: string) {
    super(detail, { name: "ImportFileInvalidError" });
  }
}

/** A bulk action's filter matches more users than one call may touch (lib/domain/user-bulk.ts): narrow it. */
export class BulkLimitExceededError extends DomainError {
  readonly code = "BULK_LIMIT_EXCEEDED";
  constructor(
    readonly limit: number,
    readonly matched: { count: number; exact: boolean },
  ) {
    super(
      `The filter matches ${matched.exact ? "" : "about "}${matched.count.toLocaleString("en-US")} users; one call may change at ` +
        `most ${limit.toLocaleString("en-US")}. Narrow the filter (q, role, status) and repeat the call for each part`,
      { name: "BulkLimitExceededError" },
    );
  }
}

export class FlagNotFoundError extends DomainError {
  readonly code = "FLAG_NOT_FOUND";
  constructor(readonly key: string) {
    super(`There is no feature flag ${key}`, { name: "FlagNotFoundError" });
  }
}

export class FlagVersionConflictError extends DomainError {
  readonly code = "FLAG_VERSION_CONFLICT";
  constructor(
    readonly key: string,
    readonly expectedVersion: number,
    readonly actualVersion: number,
  ) {
    super(
      `Flag ${key} is at version ${actualVersion}, not ${expectedVersion}; reload it and try again`,
      { name: "FlagVersionConflictError" },
    );
  }
}

/** A flag change that would leave the flag unusable (a variation that does not exist, a rollout not at 100 %). */
export class FlagInvalidError extends DomainError {
  readonly code = "FLAG_INVALID";
  constructor(
    readonly key: string,
    readonly problems: readonly string[],
  ) {
    super(`Flag ${key} cannot be saved: ${problems.join("; ")}`, { name: "FlagInvalidError" });
  }
}

/** LAUNCHDARKLY_SDK_KEY is set: flags are changed in LaunchDarkly, not here. */
export class FlagsManagedElsewhereError extends DomainError {
  readonly code = "FLAGS_MANAGED_ELSEWHERE";
  constructor() {
    super(
      "Flags come from LaunchDarkly (LAUNCHDARKLY_SDK_KEY is set): change them in LaunchDarkly",
      { name: "FlagsManagedElsewhereError" },
    );
  }
}

/** The ops-read-only-mode flag is on: changes are refused until operators turn it off (HTTP 503). */
export class ReadOnlyModeError extends DomainError {
  readonly code = "READ_ONLY_MODE";
  readonly retryAfterSeconds = 60;
  constructor() {
    super(
      "The console is in read-only mode during an incident (flag ops-read-only-mode): reads work, changes do not. Try again later",
      { name: "ReadOnlyModeError" },
    );
  }
}

/** A feature turned off by its flag answers as if it did not exist (HTTP 404). */
export class FeatureOffError extends DomainError {
  readonly code = "FEATURE_OFF";
  constructor(readonly flag: string) {
    super(`This feature is turned off (flag ${flag})`, { name: "FeatureOffError" });
  }
}

export class WebhookNotFoundError extends DomainError {
  readonly code = "WEBHOOK_NOT_FOUND";
  constructor(readonly webhookId: string) {
    super(`Webhook endpoint ${webhookId} does not exist`, { name: "WebhookNotFoundError" });
  }
}

export class WebhookDeliveryNotFoundError extends DomainError {
  readonly code = "WEBHOOK_DELIVERY_NOT_FOUND";
  constructor(readonly deliveryId: string) {
    super(
      `Delivery ${deliveryId} does not exist for this endpoint (delivered ones are pruned after EVENTS_RETENTION_HOURS)`,
      { name: "WebhookDeliveryNotFoundError" },
    );
  }
}

/** An endpoint URL that would never be sent to: not http(s), credentials in it, or an address refused by policy (SSRF). */
export class WebhookUrlRefusedError extends DomainError {
  readonly code = "WEBHOOK_URL_REFUSED";
  constructor(reason: string) {
    super(reason, { name: "WebhookUrlRefusedError" });
  }
}
