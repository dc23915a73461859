// `npm run docs:roles`: writes docs/roles.md from the permissions (lib/domain/permissions.ts) and the route table (lib/http/api-routes.ts).
import { writeFileSync } from "node:fs";

import { renderPermissionsDoc } from "../lib/http/permissions-doc";

writeFileSync(new URL("../docs/roles.md", import.meta.url), renderPermissionsDoc());
console.log("docs/roles.md written");
