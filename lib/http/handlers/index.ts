/**
 * Every REST handler, for the OpenAPI document (lib/http/openapi.ts), which is built inside the Next bundle and
 * so cannot walk app/api at run time. `export *` lets a handler added to one of these files flow into the
 * document by itself; a new handler file needs its line here (test/api/openapi.test.ts says so when it is missing).
 */
export * from "./audit";
export * from "./events";
export * from "./imports";
export * from "./flags";
export * from "./invitations";
export * from "./service";
export * from "./session";
export * from "./tokens";
export * from "./users";
export * from "./users-bulk";
export * from "./users-export";
export * from "./users-overview";
export * from "./webhooks";
