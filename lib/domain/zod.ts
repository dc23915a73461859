/**
 * zod's mini API, as the contract and the domain use it (the browser bundles both: lib/api-contract/index.ts), with
 * the English messages zod's classic API sets up by itself on import. Without them a failed check that names no
 * message of its own says only "Invalid input", in the browser's forms and in any process that never loads the
 * classic API (a CSV import's row errors are these messages).
 */
import en from "zod/v4/locales/en.js";
import { config } from "zod/mini";

config(en());

export * from "zod/mini";
