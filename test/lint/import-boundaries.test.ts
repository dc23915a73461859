import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

// The lint rule that keeps the hexagon's imports pointing inwards (eslint.config.js) must actually bite.
const eslint = new ESLint({ ignore: false });

async function importErrors(file: string, code?: string): Promise<string[]> {
  const [result] =
    code === undefined ? await eslint.lintFiles([file]) : await eslint.lintText(code, { filePath: file });
  return (result?.messages ?? [])
    .filter((message) => message.ruleId === "no-restricted-imports")
    .map((message) => message.message);
}

// ESLint with type information takes seconds, and far longer on a loaded 2-core machine: a generous timeout.
describe("import boundaries", { timeout: 60_000 }, () => {
  it("refuse the fixture in lib/domain that imports @prisma/client", async () => {
    const errors = await importErrors("lib/domain/__fixtures__/imports-prisma-client.fixture.ts");
    expect(errors).toEqual([expect.stringMatching(/^'@prisma\/client' import is restricted.*lib\/domain imports only/)]);
  });

  it("accept the domain's real files, which import only each other and zod/mini", async () => {
    expect(await importErrors("lib/domain/user-list.ts")).toEqual([]);
    expect(await importErrors("lib/domain/feature-flags.ts")).toEqual([]);
  });

  it.each([
    ["lib/domain/x.ts", 'import { useState } from "react";'],
    ["lib/domain/x.ts", 'import type { UnitOfWork } from "../ports/unit-of-work";'],
    ["lib/ports/x.ts", 'import { listUsers } from "../use-cases/list-users";'],
    ["lib/use-cases/x.ts", 'import { openDatabase } from "../adapters/prisma/open-database";'],
    ["lib/adapters/x/y.ts", 'import { makeListUsers } from "../../use-cases/list-users";'],
    ["app/users/page.tsx", 'import { openDatabase } from "@/lib/adapters/prisma/open-database";'],
    ["components/table.tsx", 'import { PrismaClient } from "@prisma/client";'],
    ["lib/api-contract/x.ts", 'import { HttpProblem } from "../http/problem";'],
    ["lib/api-contract/x.ts", 'import "server-only";'],
    // The browser bundles the contract and the domain: zod's classic API would weigh ~12 kB gzip more per page.
    ["lib/api-contract/x.ts", 'import { z } from "zod";'],
    // ...and zod/mini through lib/domain/zod.ts, which sets up its messages.
    ["lib/api-contract/x.ts", 'import * as z from "zod/mini";'],
    ["lib/domain/x.ts", 'import { z } from "zod";'],
    ["components/x/form.tsx", 'import { z } from "zod";'],
    ["components/x/form.tsx", 'import { z } from "zod/v4";'],
    ["components/x/table.tsx", 'import { userJson } from "@/lib/http/representations";'],
    ["components/x/table.tsx", 'import { userResponse } from "@/lib/api-contract";'],
    ["server/main.ts", 'import { openDatabase } from "../lib/adapters/prisma/open-database";'],
  ])("refuse %s importing outwards: %s", async (file, code) => {
    expect(await importErrors(file, code)).toHaveLength(1);
  });

  it.each([
    ["lib/ports/x.ts", 'import type { User } from "../domain/user";'],
    ["lib/use-cases/x.ts", 'import type { UnitOfWork } from "../ports/unit-of-work";'],
    ["lib/adapters/x/y.ts", 'import type { User } from "../../domain/user";'],
    ["app/users/page.tsx", 'import { getApp } from "@/lib/app-registry";'],
    ["lib/api-contract/x.ts", 'import { ROLES } from "../domain/user";'],
    ["lib/api-contract/x.ts", 'import * as z from "../domain/zod";'],
    ["components/x/form.tsx", 'import * as z from "zod/mini";'],
    ["lib/http/x.ts", 'import { userResponse } from "../api-contract";'],
    ["components/x/table.tsx", 'import { userResponse } from "@/lib/api-contract/users";'],
    ["components/x/table.tsx", 'import type { UserJson } from "@/lib/api-contract/users";'],
    ["server/main.ts", 'import { createLogger } from "../lib/adapters/pino/logger";'],
    ["server/main.ts", 'import { createApp } from "../lib/composition-root";'],
  ])("accept %s importing inwards: %s", async (file, code) => {
    expect(await importErrors(file, code)).toEqual([]);
  });
});
