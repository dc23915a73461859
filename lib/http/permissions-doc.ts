/**
 * The permissions and the route table as Markdown: docs/roles.md is this function's output (`npm run docs:roles`
 * writes it, and a test fails when the file and the table disagree).
 */
import { PERMISSIONS, type Access, type PermissionSpec } from "../domain/permissions";
import { ROLES } from "../domain/user";
import { ROUTES } from "./api-routes";

function who(access: Access): string {
  if (access === "public") return "anyone";
  if (access === "self") return "any signed-in user";
  return PERMISSIONS[access].roles.join(", ");
}

export function renderPermissionsDoc(): string {
  const lines = [
    "# Roles and permissions",
    "",
    "<!-- Generated from lib/domain/permissions.ts and the handlers' route() definitions by `npm run docs:roles`; do not edit by hand. -->",
    "",
    "Three roles: ADMIN may do everything; EDITOR manages users who are not admins (no roles, tokens or audit",
    "log); VIEWER reads. API tokens carry a role of their own and may call `/api/v1/*` except the browser",
    "session's own routes and what no token ever holds (the last column): a leaked token must not leave behind",
    "access that outlives it, so no token invites anyone, gives the role ADMIN (creating, inviting, importing,",
    "changing one or many users), or enables or restores an ADMIN. Beyond the table: an EDITOR cannot change,",
    "disable or delete an ADMIN, and the last active ADMIN cannot be demoted, disabled or deleted",
    "(lib/domain/user-rules.ts).",
    "",
    "## Permissions",
    "",
    `| Permission | ${ROLES.join(" | ")} | API tokens | What it allows |`,
    `| --- | ${ROLES.map(() => ":---:").join(" | ")} | :---: | --- |`,
    ...Object.entries(PERMISSIONS).map(([name, spec]: [string, PermissionSpec]) => {
      const roles = ROLES.map((role) => (spec.roles.includes(role) ? "yes" : "")).join(" | ");
      return `| \`${name}\` | ${roles} | ${spec.tokens === false ? "never" : "by role"} | ${spec.summary} |`;
    }),
    "",
    "## Routes and pages",
    "",
    "| Method | Path | Requires | Who | API tokens |",
    "| --- | --- | --- | --- | --- |",
    ...ROUTES.map(
      (route) =>
        `| ${route.method} | \`${route.path}\` | ${route.access === "public" || route.access === "self" ? route.access : `\`${route.access}\``} | ${who(route.access)} | ${route.access === "public" ? "-" : route.tokens ? "yes" : "no"} |`,
    ),
    "",
  ];
  return lines.join("\n");
}
