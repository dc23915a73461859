import type { Instrumentation } from "next";

/**
 * Next runs `register()` once per server process before it serves anything: in our own server (server/main.ts)
 * during `nextApp.prepare()`, after the app is built and registered. It starts tracing (issue 8; the
 * OTEL_* variables and our defaults: lib/adapters/otel/start-tracing.ts). Only in the Node.js runtime: the
 * SDK needs Node's modules, and nothing here runs on the edge.
 *
 * Imported lazily so that with OTEL_SDK_DISABLED=true the SDK is not even loaded.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  if (process.env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return;
  // Not our server (`next build` collecting pages, say): nothing to trace, nowhere to log.
  const app = globalThis.__userConsoleApp;
  if (!app) return;
  const { startTracing } = await import("./lib/adapters/otel/start-tracing");
  // Paths in spans are masked by the server's route table (issue 18, item 4), registered before Next prepares.
  startTracing({ log: app.log, redactPath: globalThis.__userConsoleRedactPath });
}

/**
 * Every error Next meets rendering a page, in our log with the digest the page's error screen shows
 * (app/error.tsx), so a person's "reference" finds the line (issue 17). Route template, not the raw path: a path
 * can hold a secret (issue 18, item 4). A database outage is not logged per page: the circuit breaker has
 * said so once (lib/adapters/cockatiel/database-circuit-breaker.ts).
 */
export const onRequestError: Instrumentation.onRequestError = (error, request, context) => {
  const app = globalThis.__userConsoleApp;
  if (!app) return;
  const code = error instanceof Error && "code" in error ? error.code : undefined;
  if (code === "DATABASE_UNAVAILABLE") return;
  const digest = error instanceof Error && "digest" in error ? error.digest : undefined;
  app.log.error(
    { err: error, digest, route: context.routePath, routeType: context.routeType, method: request.method },
    "page render failed",
  );
};
