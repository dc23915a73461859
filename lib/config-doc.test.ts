import { readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import { configSchema } from "./config";
import { renderConfigurationDoc } from "./config-doc";

describe("docs/configuration.md", () => {
  it("is the configuration schema as it is now (regenerate with npm run docs:config)", () => {
    const onDisk = readFileSync(new URL("../docs/configuration.md", import.meta.url), "utf8");
    expect(onDisk, "docs/configuration.md is stale: run npm run docs:config").toBe(renderConfigurationDoc());
  });

  it("has a row for every variable, each with the description written on its schema", () => {
    const rendered = renderConfigurationDoc();
    for (const [name, schema] of Object.entries(configSchema.shape)) {
      expect(schema.description, `${name} needs .meta({ description }) in lib/config.ts`).toMatch(/\S/);
      expect(rendered).toContain(`| \`${name}\` |`);
    }
  });

  it("shows each default and the values the schema allows", () => {
    const rendered = renderConfigurationDoc();
    expect(rendered).toContain("| `REQUEST_TIMEOUT_MS` | `5000` | integer, at least 1 |");
    expect(rendered).toContain("| `LOG_LEVEL` | `info` | `fatal`, `error`, `warn`, `info`, `debug`, `trace`, `silent` |");
    expect(rendered).toContain("| `MIGRATE_ON_START` | `false` | `true`, `false`, `0`, `1` |");
    expect(rendered).toContain("| `DATABASE_URL` | unset |");
  });
});
