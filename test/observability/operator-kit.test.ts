import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { parser } from "@prometheus-io/lezer-promql";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

import { createPrometheusMetrics, METRIC_NAMES } from "@/lib/adapters/prometheus/metrics";

import { firstExecutable, onPath } from "../support/executables";

/**
 * The operator kit of issue 8 (deploy/observability/): alerting rules that Prometheus's own promtool accepts and
 * whose alerts fire, and stay quiet, as their unit tests say; a Grafana dashboard whose queries Prometheus can
 * parse; and, for both, only metric and label names the app really exposes, so a metric renamed in
 * lib/adapters/prometheus/metrics.ts fails here rather than as an empty panel or an alert that can never fire.
 *
 * PromQL is read with @prometheus-io/lezer-promql (the Prometheus project's own grammar, used by its web UI)
 * rather than regular expressions: label names, function names and keywords are then never mistaken for metrics.
 */

const root = fileURLToPath(new URL("../../", import.meta.url));
const kit = path.join(root, "deploy/observability");
const RULES_FILE = path.join(kit, "prometheus-rules.yml");
const RULES_TEST_FILE = path.join(kit, "prometheus-rules.test.yml");
const DASHBOARD_FILE = path.join(kit, "grafana-dashboard.json");

/** The routes our server answers for probes and scrapes (server/route-templates.ts): never in error or latency SLOs. */
const PROBE_ROUTES = ["/live", "/ready", "/metrics"];
/** Labels Prometheus attaches to every scraped series. */
const TARGET_LABELS = ["job", "instance"];
/** Values for the dashboard's variables when its queries are checked (Grafana substitutes them at query time). */
const GRAFANA_VARIABLES: Readonly<Record<string, string>> = {
  __rate_interval: "5m",
  __interval: "1m",
  __range: "1h",
  job: "user-console",
  instance: ".+",
};

const VARIABLE_REFERENCE = /\$\{(\w+)(?::\w+)?\}|\$(\w+)/g;

/** Unknown variables are left as they are: PromQL then fails to parse, and a test names them. */
function substituteVariables(query: string): string {
  return query.replace(VARIABLE_REFERENCE, (reference, braced: string | undefined, bare: string | undefined) => {
    return GRAFANA_VARIABLES[braced ?? bare ?? ""] ?? reference;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// promtool

function promtool(): string {
  const found = firstExecutable(onPath("promtool"));
  if (found) return found;
  throw new Error(
    "promtool is not installed, so Prometheus's own tool cannot check the rules and queries. It comes with " +
      "Debian's prometheus package: apt-get install -y prometheus (.ci/run installs it).",
  );
}

function run(file: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      resolve({ code, output: `${stdout}${stderr}${error && code === -1 ? error.message : ""}` });
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The files

const rulesSchema = z.object({
  groups: z.array(
    z.object({
      name: z.string(),
      rules: z.array(
        z.union([
          z.object({ record: z.string(), expr: z.string(), labels: z.record(z.string(), z.string()).optional() }),
          z.object({
            alert: z.string(),
            expr: z.string(),
            for: z.string().optional(),
            labels: z.record(z.string(), z.string()).optional(),
            annotations: z.record(z.string(), z.string()).optional(),
          }),
        ]),
      ),
    }),
  ),
});

const rulesTestSchema = z.object({
  rule_files: z.array(z.string()),
  tests: z.array(
    z.object({
      name: z.string(),
      alert_rule_test: z
        .array(z.object({ alertname: z.string(), eval_time: z.string(), exp_alerts: z.array(z.unknown()) }))
        .optional(),
    }),
  ),
});

const datasourceRef = z.object({ type: z.string(), uid: z.string() });
const target = z.object({ refId: z.string(), expr: z.string(), datasource: datasourceRef });
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: z.infer<typeof datasourceRef>;
  targets?: z.infer<typeof target>[];
  panels?: Panel[];
}
const panelSchema: z.ZodType<Panel> = z.lazy(() =>
  z.object({
    id: z.number().int(),
    type: z.string(),
    title: z.string().min(1),
    gridPos: z.object({ x: z.number().int(), y: z.number().int(), w: z.number().int(), h: z.number().int() }),
    datasource: datasourceRef.optional(),
    targets: z.array(target).optional(),
    panels: z.array(panelSchema).optional(),
  }),
);
const dashboardSchema = z.object({
  uid: z.string().min(1),
  title: z.string().min(1),
  schemaVersion: z.number().int(),
  templating: z.object({
    list: z.array(
      z.object({
        type: z.string(),
        name: z.string(),
        query: z.union([z.string(), z.object({ query: z.string() })]),
        datasource: datasourceRef.optional(),
      }),
    ),
  }),
  panels: z.array(panelSchema),
});

const rawDashboard: unknown = JSON.parse(readFileSync(DASHBOARD_FILE, "utf8"));
const dashboard = dashboardSchema.parse(rawDashboard);
const rules = rulesSchema.parse(parseYaml(readFileSync(RULES_FILE, "utf8")));
const rulesTests = rulesTestSchema.parse(parseYaml(readFileSync(RULES_TEST_FILE, "utf8")));

const allRules = rules.groups.flatMap((group) => group.rules);
const recordingRules = allRules.flatMap((rule) => ("record" in rule ? [rule] : []));
const alertingRules = allRules.flatMap((rule) => ("alert" in rule ? [rule] : []));
const recordedNames = new Set(recordingRules.map((rule) => rule.record));

const allPanels = (panels: Panel[]): Panel[] => panels.flatMap((panel) => [panel, ...allPanels(panel.panels ?? [])]);
const panels = allPanels(dashboard.panels);

/** Every PromQL query of the dashboard, Grafana variables substituted: `[panel title, query]`. */
const dashboardQueries: [string, string][] = panels.flatMap((panel) =>
  (panel.targets ?? []).map((t): [string, string] => [`${panel.title} (${t.refId})`, substituteVariables(t.expr)]),
);
/** The dashboard's variable queries (`label_values(selector, label)`), variables substituted. */
const variableQueries = dashboard.templating.list.flatMap((variable) => {
  if (variable.type !== "query") return [];
  const query = typeof variable.query === "string" ? variable.query : variable.query.query;
  return [[`variable $${variable.name}`, substituteVariables(query)] as const];
});
const ruleQueries: [string, string][] = allRules.map((rule) => [
  "record" in rule ? `record ${rule.record}` : `alert ${rule.alert}`,
  rule.expr,
]);

// ---------------------------------------------------------------------------------------------------------------
// PromQL

type SyntaxNode = ReturnType<typeof parser.parse>["topNode"];

interface Selector {
  metric: string;
  matchers: { label: string; op: string; value: string }[];
}
interface Analysis {
  selectors: Selector[];
  /** `by (...)` / `without (...)` clauses, with the metrics their aggregation reads. */
  groupings: { kind: "by" | "without"; labels: string[]; metrics: string[] }[];
  /** `histogram_quantile(q, sum by (le, ...) (...))`: the quantile, the grouping and the metrics read. */
  quantiles: { q: number; by: string[]; metrics: string[] }[];
  /** Range windows of `rate(x[5m])`-like selectors. */
  windows: string[];
}

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) out.push(child);
  return out;
}
function descendants(node: SyntaxNode): SyntaxNode[] {
  return children(node).flatMap((child) => [child, ...descendants(child)]);
}

function unquote(literal: string): string {
  if (literal.startsWith('"')) return z.string().parse(JSON.parse(literal));
  return literal.slice(1, -1); // 'raw' and `raw`: no escapes we use
}

function analyse(query: string): Analysis {
  const top = parser.parse(query).topNode;
  const text = (node: SyntaxNode) => query.slice(node.from, node.to);
  const broken = [top, ...descendants(top)].find((node) => node.type.isError);
  if (broken) throw new Error(`PromQL does not parse at offset ${broken.from}: ${query}`);

  const selectorOf = (node: SyntaxNode): Selector => {
    const list = node.getChild("LabelMatchers");
    const matchers = (list ? children(list) : [])
      .filter((m) => m.name === "UnquotedLabelMatcher" || m.name === "QuotedLabelMatcher")
      .map((m) => {
        const label = m.getChild("LabelName") ?? m.getChild("QuotedLabelName");
        const op = m.getChild("MatchOp");
        const value = m.getChild("StringLiteral");
        if (!label || !op || !value) throw new Error(`unexpected label matcher ${text(m)} in ${query}`);
        const name = label.name === "QuotedLabelName" ? unquote(text(label)) : text(label);
        return { label: name, op: text(op), value: unquote(text(value)) };
      });
    const identifier = node.getChild("Identifier");
    const byName = matchers.find((m) => m.label === "__name__" && m.op === "=");
    const metric = identifier ? text(identifier) : byName?.value;
    if (!metric) throw new Error(`a selector without a literal metric name cannot be checked: ${query}`);
    return { metric, matchers: matchers.filter((m) => m.label !== "__name__") };
  };
  const metricsIn = (node: SyntaxNode) =>
    [node, ...descendants(node)]
      .filter((n) => n.name === "VectorSelector")
      .map((n) => selectorOf(n).metric);
  const groupingOf = (aggregate: SyntaxNode) => {
    const labels = aggregate.getChild("AggregateModifier")?.getChild("GroupingLabels");
    return labels ? children(labels).filter((n) => n.name === "LabelName").map(text) : [];
  };

  const nodes = descendants(top);
  return {
    selectors: nodes.filter((n) => n.name === "VectorSelector").map(selectorOf),
    groupings: nodes
      .filter((n) => n.name === "AggregateExpr" && n.getChild("AggregateModifier"))
      .map((n) => ({
        kind: n.getChild("AggregateModifier")?.getChild("Without") ? ("without" as const) : ("by" as const),
        labels: groupingOf(n),
        metrics: metricsIn(n),
      })),
    quantiles: nodes
      .filter((n) => n.name === "FunctionCall" && n.getChild("FunctionIdentifier")?.getChild("HistogramQuantile"))
      .map((n) => {
        const body = n.getChild("FunctionCallBody");
        const args = (body ? children(body) : []).filter((a) => !["(", ")", ","].includes(a.name));
        const aggregate = args[1]?.name === "AggregateExpr" ? args[1] : undefined;
        return {
          q: Number(args[0] ? text(args[0]) : Number.NaN),
          by: aggregate ? groupingOf(aggregate) : [],
          metrics: args[1] ? metricsIn(args[1]) : [],
        };
      }),
    windows: nodes
      .filter((n) => n.name === "MatrixSelector")
      .map((n) => text(n.getChild("DurationExpr") ?? n).trim()),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// What the app exposes

interface Exposed {
  type: string;
  labels: Set<string>;
}

/**
 * The metrics of the registry the app builds (default process metrics included), with the labels they carry once
 * every recorder has been called: the source of truth that METRIC_NAMES summarises.
 */
async function exposedMetrics(processMetrics: boolean): Promise<Map<string, Exposed>> {
  const metrics = createPrometheusMetrics({ processMetrics });
  metrics.observeRequest({ method: "GET", route: "/api/v1/users/[id]", status: 200, probe: false }, 0.01);
  metrics.observeDatabase("users.list", "ok", 0.001);
  metrics.setReady(true);
  metrics.setUsersByStatus({ ACTIVE: 1, DISABLED: 0, INVITED: 0 });
  metrics.watchConnections(() => ({ inUse: 1, idle: 1, waiting: 0 }));
  metrics.watchImportPool(() => ({ queued: 0, running: 0 }));
  metrics.countFlagEvaluation("bulk-import", "true");
  metrics.countCleanup({ ok: true, deleted: { sessions: 1 } });
  metrics.countSignInThrottled("memory");
  metrics.recordBreakerTransition("database", "closed", "open");
  metrics.eventRelay.leading(true);
  metrics.eventRelay.lag(3, 1.5);
  metrics.eventRelay.delivered(2);
  metrics.eventRelay.failed(1);
  const exposed = new Map<string, Exposed>();
  for (const metric of await metrics.registry.getMetricsAsJSON()) {
    const labels = new Set(metric.values.flatMap((value) => Object.keys(value.labels)));
    labels.delete("le");
    exposed.set(metric.name, { type: String(metric.type), labels });
  }
  return exposed;
}

const exposed = await exposedMetrics(true);

/** The labels of a series name the app exposes (`x_bucket` of histogram `x` adds `le`), or undefined. */
function labelsOfSeries(name: string): Set<string> | undefined {
  if (name === "up") return new Set(TARGET_LABELS); // Prometheus's own, one per target
  const direct = exposed.get(name);
  if (direct) return new Set([...direct.labels, ...TARGET_LABELS]);
  const match = /^(.*)_(bucket|sum|count)$/.exec(name);
  const base = match?.[1] ? exposed.get(match[1]) : undefined;
  if (!match || base?.type !== "histogram") return undefined;
  return new Set([...base.labels, ...TARGET_LABELS, ...(match[2] === "bucket" ? ["le"] : [])]);
}

/** level:metric:operations: the level names the labels the series keeps (`job_le` is job and le). */
const levelOf = (recorded: string) => (recorded.split(":")[0] ?? "").split("_").filter(Boolean);

function baseName(series: string): string {
  const match = /^(.*)_(bucket|sum|count)$/.exec(series);
  return match?.[1] && exposed.get(match[1])?.type === "histogram" ? match[1] : series;
}

/** Every unknown metric or label in a query, as readable complaints. */
function unknownNames(where: string, query: string): string[] {
  const { selectors, groupings } = analyse(query);
  const labelsOf = (metric: string) =>
    recordedNames.has(metric) ? new Set(levelOf(metric)) : labelsOfSeries(metric);
  const problems: string[] = [];
  for (const { metric, matchers } of selectors) {
    const labels = labelsOf(metric);
    if (!labels) {
      problems.push(`${where}: metric ${metric} is not exposed by the app`);
      continue;
    }
    for (const { label } of matchers) {
      if (!labels.has(label)) problems.push(`${where}: ${metric} has no label ${label}`);
    }
  }
  for (const { labels, metrics } of groupings) {
    const available = new Set(metrics.flatMap((metric) => [...(labelsOf(metric) ?? [])]));
    for (const label of labels) {
      if (!available.has(label)) {
        problems.push(`${where}: grouping by ${label}, which none of ${metrics.join(", ")} has`);
      }
    }
  }
  return problems;
}

/** Every selector of the request histogram must leave out the probe routes, with a regex that keeps the rest. */
function probeExclusionProblems(where: string, query: string): string[] {
  return analyse(query)
    .selectors.filter((s) => baseName(s.metric) === "http_request_duration_seconds")
    .flatMap(({ metric, matchers }) => {
      const exclusion = matchers.find((m) => m.label === "route" && m.op === "!~");
      if (!exclusion) return [`${where}: ${metric} without route!~"${PROBE_ROUTES.join("|")}"`];
      const excluded = new RegExp(`^(?:${exclusion.value})$`); // Prometheus anchors label regexes
      const leaks = PROBE_ROUTES.filter((route) => !excluded.test(route));
      const swallowed = ["/api/v1/users", "/api/v1/users/[id]", "/users"].filter((route) => excluded.test(route));
      return [
        ...leaks.map((route) => `${where}: ${metric} keeps probe route ${route}`),
        ...swallowed.map((route) => `${where}: ${metric} also drops user route ${route}`),
      ];
    });
}

// ---------------------------------------------------------------------------------------------------------------

describe("Prometheus rules (deploy/observability/prometheus-rules.yml)", { timeout: 60_000 }, () => {
  it("pass promtool check rules (syntax, PromQL, templates, duplicates)", async () => {
    const result = await run(promtool(), ["check", "rules", RULES_FILE], kit);
    expect(result.output).toContain("SUCCESS");
    expect(result.code, result.output).toBe(0);
  });

  it("pass their promtool unit tests: each alert fires above its threshold after its `for`, not below it", async () => {
    const result = await run(promtool(), ["test", "rules", path.basename(RULES_TEST_FILE)], kit);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain("SUCCESS");
  });

  it("have a unit test case where each alert fires and one where it stays quiet", () => {
    const cases = rulesTests.tests.flatMap((test) => test.alert_rule_test ?? []);
    expect(rulesTests.rule_files).toEqual([path.basename(RULES_FILE)]);
    for (const { alert } of alertingRules) {
      const mine = cases.filter((c) => c.alertname === alert);
      expect(mine.some((c) => c.exp_alerts.length > 0), `${alert} is never expected to fire`).toBe(true);
      expect(mine.some((c) => c.exp_alerts.length === 0), `${alert} is never expected to stay quiet`).toBe(true);
    }
  });

  it("alert on the error ratio, p99 latency, readiness and target down (issue 8)", () => {
    expect(alertingRules.map((rule) => rule.alert)).toEqual(
      expect.arrayContaining([
        "UserConsoleHighErrorRatio",
        "UserConsoleHighLatencyP99",
        "UserConsoleNotReady",
        "UserConsoleTargetDown",
      ]),
    );
  });

  it("give every alert a severity, a summary, a description and a runbook link to a section that names it", () => {
    const operations = readFileSync(path.join(root, "docs/operations.md"), "utf8");
    expect(operations, "docs/operations.md#alerts needs a `## Alerts` heading").toMatch(/^## Alerts\s*$/m);
    const alertsSection = operations.split(/^## Alerts\s*$/m)[1]?.split(/^## /m)[0] ?? "";
    for (const rule of alertingRules) {
      expect(rule.labels?.severity, rule.alert).toMatch(/^(critical|warning|info)$/);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      expect(rule.annotations?.description, rule.alert).toBeTruthy();
      expect(rule.annotations?.runbook_url, rule.alert).toBe("docs/operations.md#alerts");
      expect(alertsSection, `docs/operations.md#alerts says what ${rule.alert} means`).toContain(`\`${rule.alert}\``);
    }
  });

  it("name recording rules level:metric:operations, the level being the labels they keep", () => {
    for (const { record, expr } of recordingRules) {
      expect(record).toMatch(/^[a-z][a-z0-9_]*:[a-z][a-z0-9_]*:[a-z][a-z0-9_]*$/);
      const level = levelOf(record).sort();
      const { groupings, selectors, windows } = analyse(expr);
      for (const grouping of groupings) {
        expect(grouping.kind, `${record}: aggregate with by (...), so the level names the labels kept`).toBe("by");
        expect([...grouping.labels].sort(), record).toEqual(level);
      }
      for (const recorded of selectors.filter((s) => recordedNames.has(s.metric))) {
        expect(levelOf(recorded.metric).sort(), `${record} reads ${recorded.metric}`).toEqual(level);
      }
      const operations = record.split(":")[2] ?? "";
      for (const window of windows) expect(operations, `${record} rates over ${window}`).toContain(`rate${window}`);
    }
  });

  it("leave the probe routes out of every request-histogram expression", () => {
    expect(ruleQueries.flatMap(([where, query]) => probeExclusionProblems(where, query))).toEqual([]);
  });
});

describe("Grafana dashboard (deploy/observability/grafana-dashboard.json)", { timeout: 60_000 }, () => {
  const scratch = mkdtempSync(path.join(tmpdir(), "operator-kit-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("is a current schema with a Prometheus datasource variable", () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ type: "datasource", name: "datasource", query: "prometheus" }),
    );
  });

  it("uses only the variables it defines (or Grafana's built-in ones)", () => {
    const defined = dashboard.templating.list.map((variable) => variable.name);
    const used = new Set(
      Array.from(JSON.stringify(rawDashboard).matchAll(VARIABLE_REFERENCE), (match) => match[1] ?? match[2] ?? ""),
    );
    const builtIn = Object.keys(GRAFANA_VARIABLES).filter((name) => name.startsWith("__"));
    expect([...used].filter((name) => !defined.includes(name) && !builtIn.includes(name))).toEqual([]);
    // The checks below substitute a test value for each query variable: one must exist for every one defined.
    const queryVariables = dashboard.templating.list.filter((v) => v.type !== "datasource").map((v) => v.name);
    expect(queryVariables.filter((name) => GRAFANA_VARIABLES[name] === undefined)).toEqual([]);
  });

  it("hard-codes no datasource: every panel, query and variable uses ${datasource}", () => {
    const refs: { at: string; ref: unknown }[] = [];
    const walk = (value: unknown, at: string): void => {
      if (Array.isArray(value)) value.forEach((item, i) => walk(item, `${at}[${i}]`));
      else if (value && typeof value === "object") {
        for (const [key, child] of Object.entries(value)) {
          if (key === "datasource") refs.push({ at: `${at}.${key}`, ref: child });
          walk(child, `${at}.${key}`);
        }
      }
    };
    walk(rawDashboard, "dashboard");
    const builtInAnnotations = { type: "grafana", uid: "-- Grafana --" };
    const wrong = refs.filter(
      ({ at, ref }) =>
        !(at.startsWith("dashboard.annotations") && JSON.stringify(ref) === JSON.stringify(builtInAnnotations)) &&
        JSON.stringify(ref) !== JSON.stringify({ type: "prometheus", uid: "${datasource}" }),
    );
    expect(wrong).toEqual([]);
    for (const panel of panels.filter((p) => p.type !== "row")) {
      expect(panel.datasource, panel.title).toEqual({ type: "prometheus", uid: "${datasource}" });
      expect(panel.targets?.length, `${panel.title} has no query`).toBeGreaterThan(0);
    }
  });

  it("lays panels out on the 24-column grid without overlaps, with unique ids", () => {
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    const overlaps: string[] = [];
    panels.forEach((a, i) => {
      expect(a.gridPos.x + a.gridPos.w, a.title).toBeLessThanOrEqual(24);
      for (const b of panels.slice(i + 1)) {
        const apart =
          a.gridPos.x + a.gridPos.w <= b.gridPos.x ||
          b.gridPos.x + b.gridPos.w <= a.gridPos.x ||
          a.gridPos.y + a.gridPos.h <= b.gridPos.y ||
          b.gridPos.y + b.gridPos.h <= a.gridPos.y;
        if (!apart) overlaps.push(`${a.title} / ${b.title}`);
      }
    });
    expect(overlaps).toEqual([]);
  });

  it("has queries that Prometheus's own parser accepts (promtool check rules on them)", async () => {
    const file = path.join(scratch, "dashboard-queries.yml");
    // One recording rule per query (JSON is YAML): promtool names the rule whose expression it rejects.
    const records = dashboardQueries.map(([where, expr], i) => ({ record: `dashboard_query_${i}`, expr, where }));
    const rulesFile = { groups: [{ name: "dashboard", rules: records.map(({ record, expr }) => ({ record, expr })) }] };
    writeFileSync(file, JSON.stringify(rulesFile));
    const result = await run(promtool(), ["check", "rules", file], scratch);
    expect(result.code, `${result.output}\n${records.map((r) => `${r.record}: ${r.where}`).join("\n")}`).toBe(0);
  });

  it("shows request rate, error ratio, p50/p95/p99 by route, DB p95 by operation, every app metric (issue 8)", () => {
    const analyses = dashboardQueries.map(([, query]) => analyse(query));
    const used = new Set(analyses.flatMap((a) => a.selectors.map((s) => baseName(s.metric))));
    expect(METRIC_NAMES.filter((name) => !used.has(name)), "app metrics without a panel").toEqual([]);
    const quantiles = analyses.flatMap((a) =>
      a.quantiles.map(({ q, by, metrics }) => {
        return `${q} by ${by.filter((l) => l !== "le").join(",")} of ${metrics.map(baseName).join(",")}`;
      }),
    );
    expect(quantiles).toEqual(
      expect.arrayContaining([
        "0.5 by route of http_request_duration_seconds",
        "0.95 by route of http_request_duration_seconds",
        "0.99 by route of http_request_duration_seconds",
        "0.95 by operation of db_operation_duration_seconds",
      ]),
    );
    const counts = (a: Analysis) => a.selectors.filter((s) => s.metric === "http_request_duration_seconds_count");
    const isServerErrors = (m: Selector["matchers"][number]) =>
      m.label === "status" && m.op === "=~" && m.value === "5..";
    const errorRatio = analyses.some(
      (a) =>
        counts(a).some((s) => s.matchers.some(isServerErrors)) &&
        counts(a).some((s) => !s.matchers.some((m) => m.label === "status")),
    );
    expect(errorRatio, "an error ratio query: 5xx count over all counts").toBe(true);
  });

  it("leaves the probe routes out of every request-histogram query", () => {
    expect(dashboardQueries.flatMap(([where, query]) => probeExclusionProblems(where, query))).toEqual([]);
  });
});

describe("metric names in the operator kit", () => {
  it("METRIC_NAMES lists exactly the app's own metrics", async () => {
    const own = await exposedMetrics(false);
    expect([...own.keys()].sort()).toEqual([...METRIC_NAMES].sort());
  });

  it("name only metrics and labels the app exposes, in the rules, the dashboard queries and its variables", () => {
    const variables = variableQueries.flatMap(([where, query]) => {
      const match = /^label_values\((.+),\s*(\w+)\s*\)$/.exec(query);
      if (!match?.[1] || !match[2]) return [`${where}: not label_values(selector, label): ${query}`];
      const selector = match[1];
      const label = match[2];
      const labels = analyse(selector).selectors.flatMap((s) => [...(labelsOfSeries(s.metric) ?? [])]);
      return [...unknownNames(where, selector), ...(labels.includes(label) ? [] : [`${where}: no label ${label}`])];
    });
    const problems = [...ruleQueries, ...dashboardQueries].flatMap(([where, query]) => unknownNames(where, query));
    expect([...problems, ...variables]).toEqual([]);
  });

  it("reject what is not exposed (the checks can fail)", () => {
    expect(unknownNames("t", 'sum by (route) (rate(http_requests_total{job="x"}[5m]))')).toEqual([
      "t: metric http_requests_total is not exposed by the app",
      "t: grouping by route, which none of http_requests_total has",
    ]);
    expect(unknownNames("t", 'rate(http_request_duration_seconds_count{status_code="500"}[5m])')).toEqual([
      "t: http_request_duration_seconds_count has no label status_code",
    ]);
    expect(unknownNames("t", "sum by (le) (user_console_users_bucket)")).toEqual([
      "t: metric user_console_users_bucket is not exposed by the app",
      "t: grouping by le, which none of user_console_users_bucket has",
    ]);
    const leaky = 'rate(http_request_duration_seconds_count{route!~"/live|/ready"}[5m])';
    expect(probeExclusionProblems("t", leaky)).toEqual([
      "t: http_request_duration_seconds_count keeps probe route /metrics",
    ]);
    expect(() => analyse("sum(rate(x[5m])")).toThrow(/does not parse/);
  });
});
