// `npm run deploy:rules`: writes deploy/k8s/components/prometheus-operator/prometheusrule.yaml, the Prometheus
// Operator's PrometheusRule holding exactly the groups of deploy/observability/prometheus-rules.yml (kustomize
// cannot load a file from outside its folder, so the rules are copied, not referenced).
//   --check   write nothing; exit 1 when the committed file differs from what would be written
// test/deploy/k8s-manifests.test.ts runs the check, so a rule changed in one place only fails the tests.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { parse, stringify } from "yaml";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SOURCE = "deploy/observability/prometheus-rules.yml";
const TARGET = "deploy/k8s/components/prometheus-operator/prometheusrule.yaml";

const rules = parse(readFileSync(path.join(root, SOURCE), "utf8"));
if (!Array.isArray(rules?.groups)) throw new Error(`${SOURCE} has no groups`);
const header = [
  `# Generated from ${SOURCE} by \`npm run deploy:rules\`: edit that file, then run it.`,
  "# The Prometheus Operator loads these groups into every Prometheus whose ruleSelector matches (kube-prometheus-stack",
  "# selects `release: <its release name>` by default: add that label in your overlay if yours does).",
  "",
].join("\n");
const text =
  header +
  stringify(
    {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PrometheusRule",
      metadata: { name: "user-console" },
      spec: { groups: rules.groups },
    },
    { lineWidth: 0 },
  );

const target = path.join(root, TARGET);
if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(target, "utf8");
  } catch {
    // missing counts as stale
  }
  if (current !== text) {
    console.error(`${TARGET} is stale: run npm run deploy:rules`);
    process.exit(1);
  }
  console.log(`${TARGET} is current`);
} else {
  writeFileSync(target, text);
  console.log(`wrote ${TARGET}`);
}
