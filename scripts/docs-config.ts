// `npm run docs:config`: writes docs/configuration.md from the configuration schema (lib/config.ts).
import { writeFileSync } from "node:fs";

import { renderConfigurationDoc } from "../lib/config-doc";

writeFileSync(new URL("../docs/configuration.md", import.meta.url), renderConfigurationDoc());
console.log("docs/configuration.md written");
