/**
 * The REST API's contract: every request and response shape, as zod, organized by feature. One definition serves
 * the server (lib/http parses requests with these schemas, lib/http/representations.ts is typed against the
 * responses, and the OpenAPI document is built from both) and the browser (components infer their types from
 * them, and parse answers with them where they check at run time).
 *
 * Client-safe: it imports lib/domain only (eslint.config.js), zod included: lib/domain/zod.ts is zod's mini API
 * (functions rather than methods, so a page bundles only the schema types it uses) with its English messages. Browser code imports the feature module it needs
 * (`@/lib/api-contract/users`), not this index, so a page's bundle holds only its features' schemas.
 *
 * The OpenAPI document's descriptions, examples and component ids are attached with `.check(z.meta({...}))` (the
 * mini API has no `.meta()`). That is a check like any other: `z.pick`, `z.omit` and `z.partial` refuse an object
 * schema that has one, and a clone of a schema with an `id` (a further `.check`, `z.extend`) registers that id a
 * second time, which the document's build refuses. Derive a variant from the plain fields and mark the result (as
 * imports.ts builds ImportJobDetail), not from the marked schema.
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
