import { describe, expect, it } from "vitest";

import { isEmailUniqueViolation, isWriteConflict } from "./prisma-errors";

/** The shape of Prisma 7's P2002 with a driver adapter (meta.target is empty), as each adapter fills it. */
const p2002 = (cause: object, code = "P2002") => ({
  name: "PrismaClientKnownRequestError",
  code,
  meta: {
    modelName: "User",
    driverAdapterError: {
      name: "DriverAdapterError",
      cause: { originalCode: "23505", kind: "UniqueConstraintViolation", ...cause },
    },
  },
});

describe("isEmailUniqueViolation", () => {
  it.each([
    [
      "@prisma/adapter-pg on users_email_key",
      p2002({ constraint: { index: "users_email_key" }, table: "users" }),
      true,
    ],
    ["pglite-prisma-adapter on (email)", p2002({ constraint: { fields: ["email"] } }), true],
    ["Prisma's native engine (meta.target)", { code: "P2002", meta: { target: ["email"] } }, true],
    ["adapter-pg on the primary key", p2002({ constraint: { index: "users_pkey" }, table: "users" }), false],
    ["PGlite on the primary key", p2002({ constraint: { fields: ["id"] } }), false],
    [
      "PGlite on a composite key containing email",
      p2002({ constraint: { fields: ["email", "tenant"] } }),
      false,
    ],
    // A raw query's (P2010: raw query failed), as the user repository's plain-SQL writes get it.
    ["a raw query, adapter-pg on users_email_key", p2002({ constraint: { index: "users_email_key" } }, "P2010"), true],
    ["a raw query, PGlite on (email)", p2002({ constraint: { fields: ["email"] } }, "P2010"), true],
    ["a raw query, adapter-pg on the primary key", p2002({ constraint: { index: "users_pkey" } }, "P2010"), false],
    [
      "a raw query failing otherwise on users.email (a check)",
      { code: "P2010", meta: { driverAdapterError: { cause: { kind: "CheckConstraintViolation", constraint: { index: "users_email_key" } } } } },
      false,
    ],
    ["a foreign-key violation (P2003)", { code: "P2003", meta: { field_name: "user_id" } }, false],
    ["a raw PostgreSQL unique violation", { code: "23505", constraint: "users_email_key" }, false],
    ["a P2002 without meta", { code: "P2002" }, false],
    ["not an error at all", "P2002", false],
    ["null", null, false],
  ])("%s -> %s", (_, error, expected) => {
    expect(isEmailUniqueViolation(error)).toBe(expected);
  });
});

describe("isWriteConflict", () => {
  const raw = (cause: object) => ({ code: "P2010", meta: { driverAdapterError: { name: "DriverAdapterError", cause } } });
  it.each([
    ["a model query's write conflict or deadlock (P2034)", { code: "P2034", meta: {} }, true],
    ["a raw query's deadlock, as @prisma/adapter-pg reports it", raw({ kind: "TransactionWriteConflict", originalCode: "40P01" }), true],
    ["a raw query's serialisation failure by code alone", raw({ originalCode: "40001" }), true],
    ["a raw query's unique violation", raw({ kind: "UniqueConstraintViolation", originalCode: "23505" }), false],
    ["a raw query failing without a driver error", { code: "P2010", meta: {} }, false],
    ["a unique violation (P2002)", { code: "P2002", meta: {} }, false],
    ["not an error at all", "P2034", false],
  ])("%s -> %s", (_, error, expected) => {
    expect(isWriteConflict(error)).toBe(expected);
  });
});
