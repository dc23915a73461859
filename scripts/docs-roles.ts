// `npm run docs:roles`: writes docs/roles.md from the permission table (lib/domain/permissions.ts).
import { writeFileSync } from "node:fs";

import { renderPermissionsDoc } from "../lib/domain/permissions-doc";

writeFileSync(new URL("../docs/roles.md", import.meta.url), renderPermissionsDoc());
console.log("docs/roles.md written");
