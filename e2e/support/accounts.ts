/**
 * The accounts the end-to-end run works with. The server starts on an empty database with the bootstrap
 * admin's first password given (BOOTSTRAP_ADMIN_PASSWORD, playwright.config.ts); the setup project signs in
 * with it through the UI, chooses PASSWORD, and creates one user per other role by invitation.
 */
import path from "node:path";

import type { WorkerInfo } from "@playwright/test";

import type { Role } from "../../lib/domain/user";

export const BOOTSTRAP_PASSWORD = "e2e-bootstrap-one-time";
export const PASSWORD = "e2e correct horse battery";

export const ACCOUNTS: Record<Role, { email: string; name: string }> = {
  ADMIN: { email: "admin@example.com", name: "Administrator" },
  EDITOR: { email: "editor@example.com", name: "Edith Editor" },
  VIEWER: { email: "viewer@example.com", name: "Victor Viewer" },
};

/** Newest first: the setup creates the admin (at start-up), then the editor, then the viewer. */
export const SETUP_ACCOUNTS_NEWEST_FIRST = [ACCOUNTS.VIEWER.email, ACCOUNTS.EDITOR.email, ACCOUNTS.ADMIN.email];

/**
 * Which server a project runs against: `main`, the end-to-end tests' (playwright.config.ts), or `screenshots`,
 * `npm run screenshots`' own (playwright.screenshots.config.ts). Each has its own database, hence its own sessions.
 */
export type E2eServer = "main" | "screenshots";

/** The server of the running project; takes a TestInfo or a WorkerInfo (worker-scoped fixtures). */
export function serverOf(info: Pick<WorkerInfo, "project">): E2eServer {
  return info.project.metadata.server === "screenshots" ? "screenshots" : "main";
}

/** Where the setup project leaves each role's signed-in browser state (cookies), for specs to start from. */
export function storageStateOf(role: Role, server: E2eServer = "main"): string {
  const prefix = server === "main" ? "" : `${server}-`;
  return path.join(import.meta.dirname, "..", ".auth", `${prefix}${role.toLowerCase()}.json`);
}
