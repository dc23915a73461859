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
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
}

export class EmailTakenError extends DomainError {
  readonly code = "USER_EMAIL_TAKEN";
  constructor(readonly email: string) {
    super(`A user with email ${email} already exists`);
    this.name = "EmailTakenError";
  }
}

export class UserNotFoundError extends DomainError {
  readonly code = "USER_NOT_FOUND";
  constructor(readonly userId: string) {
    super(`User ${userId} does not exist`);
    this.name = "UserNotFoundError";
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
    );
    this.name = "VersionConflictError";
  }
}

export class InvalidCursorError extends DomainError {
  readonly code = "INVALID_CURSOR";
  constructor(reason: string) {
    super(`Invalid page cursor: ${reason}`);
    this.name = "InvalidCursorError";
  }
}

export class DeadlineExceededError extends DomainError {
  readonly code = "DEADLINE_EXCEEDED";
  constructor(readonly deadlineMs: number) {
    super(`The database did not answer within ${deadlineMs} ms`);
    this.name = "DeadlineExceededError";
  }
}
