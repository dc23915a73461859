// Prisma CLI configuration (build tooling only: the app opens its database through lib/adapters).
// `process.env.DATABASE_URL ?? ""` rather than env("DATABASE_URL"), which throws when the variable is unset
// and would break `prisma generate` on a machine without a database.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: {
    url: process.env.DATABASE_URL ?? "",
    shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL,
  },
});
