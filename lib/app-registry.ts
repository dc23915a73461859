import "server-only";

import type { App } from "./composition-root";

/*
 * The server (server/) builds the app before Next handles a request and registers it here; pages and route
 * handlers read it back. It lives on globalThis because the server and Next's bundle each load their own copy
 * of lib/: a module-level variable would not be shared. This module imports the composition root as a type
 * only, so Next's bundle does not pull in the database adapters (docs/decisions/002-own-server.md).
 */
declare global {
  var __userConsoleApp: App | undefined;
  /**
   * How a request path may be recorded (server/route-templates.ts `createPathRedactor`): registered by the server,
   * which knows the route table, for the tracing that Next starts in its own bundle (instrumentation.ts).
   */
  var __userConsoleRedactPath: ((pathname: string) => string) | undefined;
}

export function registerPathRedactor(redactPath: (pathname: string) => string): void {
  globalThis.__userConsoleRedactPath = redactPath;
}

export function registerApp(app: App): void {
  globalThis.__userConsoleApp = app;
}

export function getApp(): App {
  const app = globalThis.__userConsoleApp;
  if (!app) {
    throw new Error("The app is not initialised: start the process through server/ (npm start or npm run dev)");
  }
  return app;
}
