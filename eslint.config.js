// @ts-check
import nextCoreWebVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";

/**
 * The hexagon's import direction (STYLE.md, "Shape of the code"), enforced so it cannot rot silently:
 * domain <- ports <- use-cases <- http <- app; adapters implement ports; only the composition root (built by
 * the process entry in server/) knows the adapters. The API's contract (lib/api-contract: request and response
 * schemas) sits on the domain: lib/http and the browser's components both build on it, and components reach
 * nothing of lib/ but the contract and the domain. test/lint/import-boundaries.test.ts proves the rule bites.
 *
 * Each layer lists what it may import (gitignore-style `!` re-allows) with ESLint's own no-restricted-imports:
 * eslint-plugin-boundaries 7.2 misclassified files and crashed on its module-origin selectors (decision 003).
 */
const layer = (/** @type {string} */ files, /** @type {string} */ message, /** @type {object} */ pattern) => ({
  files: [files],
  ignores: ["**/*.test.ts", "**/*.test.tsx"],
  rules: { "no-restricted-imports": ["error", { patterns: [{ ...pattern, message }] }] },
});
/** Forbids every import except the ones `allowed` matches (a regular expression over the import path). */
const only = (/** @type {string} */ allowed) => ({ regex: `^(?!(?:${allowed})).*` });

const persistenceAndSdks = ["@prisma/*", "pg", "@electric-sql/*", "pglite-prisma-adapter", "@launchdarkly/*"];
/** What neither pages nor components may import: only the composition root knows the adapters. */
const outsideTheApp = ["**/lib/adapters/*", "**/lib/composition-root", "@/lib/adapters/*", "@/lib/composition-root", ...persistenceAndSdks];

const config = [
  {
    ignores: [
      ".next/**",
      "dist/**",
      "data/**",
      "node_modules/**",
      "next-env.d.ts",
      "lib/adapters/prisma/generated/**",
      "lib/domain/__fixtures__/**",
      "test-results/**",
      "playwright-report/**",
    ],
  },
  ...nextCoreWebVitals,
  ...nextTypescript,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-properties": [
        "error",
        {
          object: "URL",
          property: "canParse",
          message: "Use parseUrl (lib/domain/url.ts): Node 20's optimized URL.canParse accepts strings new URL refuses.",
        },
      ],
    },
  },
  layer(
    "lib/domain/**",
    "lib/domain imports only itself and, in lib/domain/zod.ts, zod's mini API and its English messages: no framework, database or SDK (and zod's classic API is ~12 kB gzip more in every page's bundle).",
    only(String.raw`\./|zod/mini$|zod/v4/locales/en\.js$`),
  ),
  layer("lib/ports/**", "lib/ports imports only lib/domain and itself.", only(String.raw`\./|\.\./domain/`)),
  layer(
    "lib/api-contract/**",
    "lib/api-contract is the API's shapes for server and browser alike: it imports only lib/domain and itself, zod as lib/domain/zod.ts (the mini API, with its messages: the browser bundles the contract, and zod's classic API is ~12 kB gzip more per page).",
    only(String.raw`\./|\.\./domain/`),
  ),
  layer(
    "lib/use-cases/**",
    "lib/use-cases imports only lib/domain, lib/ports, itself, pure libraries and node:crypto.",
    // p-limit: the concurrency cap of a fan-out (use-cases/fan-out.ts), pure promise code with no I/O.
    only(String.raw`\./|\.\./(domain|ports)/|zod$|@faker-js/faker$|p-limit$|node:crypto$`),
  ),
  layer("lib/adapters/**", "Adapters implement ports: they must not reach up into use cases, http or wiring.", {
    group: ["**/use-cases/*", "**/http/*", "**/composition-root", "**/app-registry"],
  }),
  layer("lib/http/**", "Route plumbing calls use cases; it never touches adapters or the database directly.", {
    group: ["**/adapters/*", "**/composition-root", ...persistenceAndSdks],
  }),
  layer("app/**", "Pages reach the app through lib/app-registry and use cases.", { group: outsideTheApp }),
  {
    files: ["components/**"],
    ignores: ["**/*.test.ts", "**/*.test.tsx"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          // The index holds every feature's schemas: a component that imported it would ship them all to its page.
          paths: [
            { name: "@/lib/api-contract", message: "Import the feature's module, e.g. @/lib/api-contract/users." },
            { name: "zod", message: "Use zod/mini, as lib/api-contract does: zod's classic API would add ~12 kB gzip to the page." },
          ],
          patterns: [
            { group: outsideTheApp, message: "Components reach the server through the REST API, never its adapters." },
            { group: ["zod/v3", "zod/v4", "zod/v4/classic"], message: "Use zod/mini: zod's classic API would add ~12 kB gzip to the page." },
            {
              group: ["**/lib/http/*", "@/lib/http/*", "**/lib/use-cases/*", "@/lib/use-cases/*", "**/lib/app-registry", "@/lib/app-registry"],
              message: "Components run in the browser: they call the REST API, with the shapes of lib/api-contract.",
            },
          ],
        },
      ],
    },
  },
  layer(
    "server/**",
    "The process entry builds the app through lib/composition-root; of the adapters it uses only the logger.",
    {
      // Not `**/lib/adapters/**`: gitignore-style patterns cannot re-allow a file whose folder is refused.
      group: [
        "**/lib/adapters/*/*",
        "!**/lib/adapters/pino/*",
        "**/lib/use-cases/*",
        "**/lib/http/*",
        // The names of the request headers the server writes for the app: shared, not duplicated.
        "!**/lib/http/request-info",
        // The store in which route handlers tell the server who called, for its log line per request.
        "!**/lib/http/request-facts",
        // The REST API's dispatch (docs/decisions/010), and the route matcher it shares with the metric labels.
        "!**/lib/http/api-router",
        "!**/lib/http/route-matcher",
      ],
    },
  ),
];

export default config;
