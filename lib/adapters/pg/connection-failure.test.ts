import { describe, expect, it } from "vitest";

import { DatabaseBusyError, DeadlineExceededError, EmailTakenError } from "../../domain/errors";
import { isConnectionFailure } from "./connection-failure";

/** An error as node-postgres or node's net module makes them: an Error with extra fields. */
const errorWith = (message: string, fields: Record<string, unknown>) => Object.assign(new Error(message), fields);

/** Prisma's shape around an adapter-pg failure (as recorded with PostgreSQL stopped). */
const prismaError = (code: string, cause: Record<string, unknown>) =>
  errorWith(`prisma ${code}`, {
    name: "PrismaClientKnownRequestError",
    code,
    meta: { driverAdapterError: { name: "DriverAdapterError", cause } },
  });

describe("isConnectionFailure: what trips the database circuit breaker (issue 17)", () => {
  it.each([
    ["a refused connect (pg-reads, straight from node-postgres)", errorWith("connect ECONNREFUSED 127.0.0.1:5432", { code: "ECONNREFUSED", errno: -111, syscall: "connect" })],
    ["a reset socket", errorWith("read ECONNRESET", { code: "ECONNRESET", syscall: "read" })],
    ["an unknown host", errorWith("getaddrinfo ENOTFOUND db", { code: "ENOTFOUND", syscall: "getaddrinfo" })],
    ["Prisma P1001 around a refused connect (a transaction's start)", prismaError("P1001", { kind: "DatabaseNotReachable", host: "127.0.0.1", port: 5432 })],
    ["Prisma P2010 around a refused connect (a raw query)", prismaError("P2010", { kind: "DatabaseNotReachable", host: "127.0.0.1", port: 5432 })],
    ["Prisma around a closed connection", prismaError("P2010", { kind: "ConnectionClosed" })],
    ["Prisma P1017, server closed the connection", errorWith("Server has closed the connection.", { code: "P1017" })],
    ["SQLSTATE 57P01, terminated by pg_terminate_backend or a fast shutdown", errorWith("terminating connection due to administrator command", { code: "57P01", severity: "FATAL" })],
    ["SQLSTATE 57P03, the server is starting up", errorWith("the database system is starting up", { code: "57P03", severity: "FATAL" })],
    ["SQLSTATE 08006, connection failure", errorWith("connection failure", { code: "08006", severity: "FATAL" })],
    ["adapter-pg's kind postgres with 57P01", prismaError("P2010", { kind: "postgres", code: "57P01", severity: "FATAL" })],
    ["a socket closed under a query", new Error("Connection terminated unexpectedly")],
    ["a new connection not made in time", new Error("Connection terminated due to connection timeout")],
    ["a failure wrapped as the cause of another", new Error("reading users failed", { cause: errorWith("connect ECONNREFUSED", { code: "ECONNREFUSED" }) })],
  ])("trips on %s", (_, error) => {
    expect(isConnectionFailure(error)).toBe(true);
  });

  it.each([
    ["a deadline's cancel (SQLSTATE 57014)", errorWith("canceling statement due to user request", { code: "57014", severity: "ERROR" })],
    ["statement_timeout (57014 too)", prismaError("P2010", { kind: "postgres", code: "57014", severity: "ERROR" })],
    ["a lock wait timeout (55P03)", errorWith("canceling statement due to lock timeout", { code: "55P03", severity: "ERROR" })],
    ["a unique violation", prismaError("P2002", { kind: "UniqueConstraintViolation" })],
    ["a serialization failure", errorWith("could not serialize access", { code: "40001", severity: "ERROR" })],
    ["no free pooled connection in time (pg-pool's wait)", new Error("timeout exceeded when trying to connect")],
    ["no free pooled connection in time (ours)", new DatabaseBusyError()],
    ["Prisma's transaction-start timeout (P2028)", errorWith("Transaction API error: Unable to start a transaction in the given time.", { code: "P2028" })],
    ["the request's deadline", new DeadlineExceededError(5_000)],
    ["a client that went away", new DOMException("This operation was aborted", "AbortError")],
    ["a domain rule", new EmailTakenError("a@example.com")],
    ["a message that only mentions a connection", new Error("Connection terminated unexpectedly, said the user's input")],
    ["not an error at all", "ECONNREFUSED"],
    ["nothing", undefined],
  ])("does not trip on %s", (_, error) => {
    expect(isConnectionFailure(error)).toBe(false);
  });

  it("stops at a cycle of causes", () => {
    const error: Error & { cause?: unknown } = new Error("loop");
    error.cause = error;
    expect(isConnectionFailure(error)).toBe(false);
  });
});
