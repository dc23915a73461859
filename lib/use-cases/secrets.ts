/**
 * Secrets handed to people and machines (session cookies, API tokens, invitation links): 256 random bits,
 * base64url. Only their SHA-256 is stored, so the database alone lets no one in. SHA-256 without salt or
 * stretching is right for these (unlike passwords): they are random and too long to guess.
 */
import { createHash, randomBytes } from "node:crypto";

export function newSecret(prefix = ""): string {
  return prefix + randomBytes(32).toString("base64url");
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** API tokens start with this, so secret scanners and people can recognise one. */
export const API_TOKEN_PREFIX = "uct_";
