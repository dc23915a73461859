// Lint fixture, never imported: the domain must not depend on Prisma, so linting this file must fail the
// import-boundaries rule (test/lint/import-boundaries.test.ts). Ignored by `npm run lint` and the type check.
import { PrismaClient } from "@prisma/client";

export const forbidden = PrismaClient;
