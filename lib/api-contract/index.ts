/**
 * The REST API's contract: every request and response shape, as zod, organized by feature. One definition serves
 * the server (lib/http parses requests with these schemas, lib/http/representations.ts is typed against the
 * responses, and the OpenAPI document is built from both) and the browser (components infer their types from
 * them, and parse answers with them where they check at run time).
 *
 * Client-safe: it imports zod's mini API (`zod/mini`: functions rather than methods, so a page bundles only the
 * schema types it uses) and lib/domain only (eslint.config.js). Browser code imports the feature module it needs
 * (`@/lib/api-contract/users`), not this index, so a page's bundle holds only its features' schemas.
 */
export * from "./audit";
export * from "./common";
export * from "./events";
export * from "./flag-evaluations";
export * from "./flags";
export * from "./imports";
export * from "./invitations";
export * from "./list-users-params";
export * from "./problem";
export * from "./service";
export * from "./session";
export * from "./tokens";
export * from "./users";
export * from "./users-bulk";
export * from "./users-overview";
export * from "./webhooks";
