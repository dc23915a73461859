import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";

import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import type { Model, ModelData, TypeMeta, TypeMetaGuard } from "@kubernetes-models/base";
import { Deployment, type IDeployment } from "kubernetes-models/apps/v1/Deployment";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import type { IIoK8sApiCoreV1Container } from "kubernetes-models/v1/Container";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";

import { loadConfig } from "@/lib/config";
import { DATABASE_CLOSE_TIMEOUT_MS, TRACING_FLUSH_TIMEOUT_MS } from "@/server/lifecycle";
import { createHealthHandler } from "@/server/health";
import { metricsAccess } from "@/server/metrics-endpoint";
import { PROBE_ROUTES } from "@/server/route-templates";

import { numericUser, parseDockerfile } from "../support/dockerfile";
import { ROOT } from "../support/built-server";
import { k8sObject, renderKustomization, type K8sObject } from "../support/kustomize";

/*
 * deploy/k8s as `kubectl apply -k` would send it (issue 19): every overlay rendered by kubectl's kustomize, every
 * object validated against the Kubernetes (and Prometheus Operator) OpenAPI schemas compiled by kubernetes-models,
 * then the invariants a rolling update, the server's settings and the image depend on. No cluster is needed.
 */

const K8S = path.join(ROOT, "deploy/k8s");
const SECRET_KEYS = ["DATABASE_URL", "METRICS_TOKEN", "LAUNCHDARKLY_SDK_KEY", "BOOTSTRAP_ADMIN_PASSWORD"];

// ---------------------------------------------------------------------------------------------------------------
// Schemas: one model per kind the manifests use; a kind without one fails the validation test, naming it.

interface Kind {
  is: (value: unknown) => boolean;
  validate: (value: unknown) => void;
}
function kind<T extends TypeMeta>(model: { is: TypeMetaGuard<T>; new (data?: ModelData<T>): Model<T> }): Kind {
  return {
    is: (value) => model.is(value),
    // The model validates its own properties: an empty one given the rendered object's.
    validate: (value) => Object.assign(new model(), value).validate(),
  };
}
const KINDS: Kind[] = [
  kind(Deployment),
  kind(Service),
  kind(ServiceAccount),
  kind(ConfigMap),
  kind(Namespace),
  kind(PersistentVolumeClaim),
  kind(HorizontalPodAutoscaler),
  kind(PodDisruptionBudget),
  kind(Ingress),
  kind(NetworkPolicy),
  kind(ServiceMonitor),
  kind(PrometheusRule),
];

function schemaProblems(objects: K8sObject[]): string[] {
  return objects.flatMap((object) => {
    const where = `${object.apiVersion} ${object.kind} ${object.metadata.name}`;
    const model = KINDS.find((k) => k.is(object));
    if (!model) return [`${where}: no schema for this kind in the test (add its model to KINDS)`];
    try {
      model.validate(object);
      return [];
    } catch (error) {
      return [`${where}: ${error instanceof Error ? error.message : String(error)}`];
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The rendered overlays

interface Rendered {
  objects: K8sObject[];
  deployment: IDeployment;
  containers: IIoK8sApiCoreV1Container[];
  app: IIoK8sApiCoreV1Container;
  config: Record<string, string>;
}

function one<T>(objects: unknown[], guard: (value: unknown) => value is T, what: string): T {
  const found: T[] = [];
  for (const object of objects) if (guard(object)) found.push(object);
  const [object] = found;
  if (object === undefined || found.length !== 1) throw new Error(`expected one ${what}, found ${found.length}`);
  return object;
}

function describeOverlay(objects: K8sObject[]): Rendered {
  const deployment = one(objects, Deployment.is, "Deployment");
  const pod = deployment.spec?.template.spec;
  if (!pod) throw new Error("the Deployment has no pod template");
  const app = pod.containers.find((c) => c.name === "app");
  if (!app) throw new Error("the Deployment has no container named app");
  const configMap = one(objects, ConfigMap.is, "ConfigMap");
  return {
    objects,
    deployment,
    containers: [...(pod.initContainers ?? []), ...pod.containers],
    app,
    config: configMap.data ?? {},
  };
}

/** A temporary overlay: production plus the Prometheus Operator component, as the component's notes say to do. */
const scratch = mkdtempSync(path.join(tmpdir(), "k8s-manifests-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let production: Rendered;
let demo: Rendered;
let monitored: K8sObject[];
beforeAll(async () => {
  const withComponent = path.join(scratch, "production-monitored");
  const relative = (to: string) => path.relative(withComponent, path.join(K8S, to));
  await import("node:fs/promises").then(({ mkdir }) => mkdir(withComponent));
  writeFileSync(
    path.join(withComponent, "kustomization.yaml"),
    [
      "apiVersion: kustomize.config.k8s.io/v1beta1",
      "kind: Kustomization",
      `resources: [${relative("overlays/production")}]`,
      `components: [${relative("components/prometheus-operator")}]`,
      "",
    ].join("\n"),
  );
  const [p, d, m] = await Promise.all([
    renderKustomization(path.join(K8S, "overlays/production")),
    renderKustomization(path.join(K8S, "overlays/demo")),
    renderKustomization(withComponent),
  ]);
  production = describeOverlay(p);
  demo = describeOverlay(d);
  monitored = m;
}, 120_000);

const overlays = () => [
  ["production", production],
  ["demo", demo],
] as const;

describe("deploy/k8s rendered by kubectl kustomize", () => {
  it("gives valid objects in every overlay, and with the Prometheus Operator component (OpenAPI schemas)", () => {
    expect(schemaProblems(production.objects)).toEqual([]);
    expect(schemaProblems(demo.objects)).toEqual([]);
    expect(schemaProblems(monitored)).toEqual([]);
    expect(monitored.map((o) => o.kind)).toEqual(expect.arrayContaining(["ServiceMonitor", "PrometheusRule"]));
  });

  it("validation can fail: a wrong type and an unknown strategy are rejected", () => {
    const rendered = JSON.stringify(one(production.objects, Deployment.is, "Deployment"));
    const broken = k8sObject.parse(JSON.parse(rendered.replace('"type":"RollingUpdate"', '"type":"Rolling"')));
    expect(schemaProblems([broken])).toEqual([expect.stringMatching(/strategy\/type must be equal to one of the allowed values/)]);
    expect(schemaProblems([{ apiVersion: "v1", kind: "Service", metadata: { name: "x" }, spec: { ports: [{ port: "80" }] } }]))
      .toEqual([expect.stringMatching(/port must be integer/)]);
    expect(schemaProblems([{ apiVersion: "v1", kind: "Pod", metadata: { name: "x" } }])).toEqual([
      expect.stringMatching(/no schema/),
    ]);
  });
});

describe("the rolling update (production)", () => {
  it("surges one pod and never takes one away (maxSurge 1, maxUnavailable 0)", () => {
    expect(production.deployment.spec?.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
  });

  it("leaves the replica count to a CPU autoscaler of 3 or more", () => {
    expect(production.deployment.spec?.replicas).toBeUndefined();
    const hpa = one(production.objects, HorizontalPodAutoscaler.is, "HorizontalPodAutoscaler");
    expect(hpa.spec?.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: production.deployment.metadata?.name });
    expect(hpa.spec?.minReplicas).toBeGreaterThanOrEqual(3);
    expect(hpa.spec?.metrics?.map((m) => m.resource?.name)).toEqual(["cpu"]);
    // Utilization is a share of the request: without one the autoscaler cannot compute it.
    expect(production.app.resources?.requests?.cpu).toBeDefined();
  });

  it("gives the drain the time the server's shutdown can take (lib/config.ts settings, server/lifecycle.ts constants)", () => {
    for (const [name, overlay] of overlays()) {
      const settings = loadConfig(overlay.config);
      const needMs = settings.SHUTDOWN_DELAY_MS + settings.SHUTDOWN_TIMEOUT_MS + DATABASE_CLOSE_TIMEOUT_MS + TRACING_FLUSH_TIMEOUT_MS;
      const grace = overlay.deployment.spec?.template.spec?.terminationGracePeriodSeconds ?? 30;
      expect(grace * 1000, `${name}: terminationGracePeriodSeconds`).toBeGreaterThanOrEqual(needMs);
      // The server's own delay keeps serving while /ready fails: a preStop hook would add to it (and needs a shell).
      expect(overlay.containers.every((c) => c.lifecycle?.preStop === undefined), name).toBe(true);
    }
  });

  it("keeps a drain from taking the last ready pods: the PDB selects the pods and leaves the autoscaler's minimum room", () => {
    const pdb = one(production.objects, PodDisruptionBudget.is, "PodDisruptionBudget");
    const podLabels = production.deployment.spec?.template.metadata?.labels ?? {};
    const selector = pdb.spec?.selector?.matchLabels ?? {};
    expect(Object.keys(selector).length).toBeGreaterThan(0);
    expect(podLabels).toMatchObject(selector);
    const hpa = one(production.objects, HorizontalPodAutoscaler.is, "HorizontalPodAutoscaler");
    const minAvailable = Number(pdb.spec?.minAvailable);
    expect(minAvailable).toBeGreaterThanOrEqual(1);
    expect(minAvailable).toBeLessThan(hpa.spec?.minReplicas ?? 1);
  });

  it("migrates before the app starts, from the image's bundled migration command, and never from the app", () => {
    const pod = production.deployment.spec?.template.spec;
    const migrate = pod?.initContainers?.find((c) => c.name === "migrate");
    expect(migrate?.image).toBe(production.app.image);
    expect(migrate?.args).toEqual(["server/migrate.mjs"]);
    expect(readFileSync(path.join(ROOT, "scripts/build.mjs"), "utf8")).toMatch(/migrate: path\.join\(root, "scripts\/db-migrate\.ts"\)/);
    expect(loadConfig(production.config).MIGRATE_ON_START).toBe(false);
    for (const container of [migrate, production.app]) {
      expect(container?.env?.find((e) => e.name === "DATABASE_URL")?.valueFrom?.secretKeyRef).toEqual({ name: "user-console", key: "DATABASE_URL" });
    }
  });
});

describe("probes", () => {
  it("ask the server's own health endpoints on the port it listens on", async () => {
    for (const [name, overlay] of overlays()) {
      const { app } = overlay;
      expect(app.startupProbe?.httpGet?.path, name).toBe("/live");
      expect(app.livenessProbe?.httpGet?.path, name).toBe("/live");
      expect(app.readinessProbe?.httpGet?.path, name).toBe("/ready");
      const port = app.ports?.find((p) => p.name === "http");
      for (const probe of [app.startupProbe, app.livenessProbe, app.readinessProbe]) {
        expect(probe?.httpGet?.port, name).toBe("http");
      }
      expect(port?.containerPort, name).toBe(loadConfig(overlay.config).PORT);
      expect(loadConfig(overlay.config).HOSTNAME, `${name}: listens on every address, whatever HOSTNAME says`).toBe("0.0.0.0");
    }
    // The paths are the ones the server answers itself, before Next (server/health.ts, PROBE_ROUTES).
    const handler = createHealthHandler({
      database: { ping: async () => undefined, pendingMigrations: async () => [], connections: () => null, close: async () => undefined },
      log: { debug() {}, info() {}, warn() {}, error() {}, child() { return this; } },
      readyTimeoutMs: 1000,
      isDraining: () => false,
      flagsInitialized: () => true,
    });
    const server = createServer((request, response) => {
      void handler(request, response).then((handled) => {
        if (!handled) response.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const address = server.address();
      if (address === null || typeof address === "string") throw new Error("not listening on TCP");
      for (const probePath of ["/live", "/ready"]) {
        expect(PROBE_ROUTES.has(probePath)).toBe(true);
        expect((await fetch(`http://127.0.0.1:${address.port}${probePath}`)).status, probePath).toBe(200);
      }
    } finally {
      server.close();
    }
  });

  it("wait longer than the server's readiness deadline, and give start-up its time", () => {
    for (const [name, overlay] of overlays()) {
      const { app } = overlay;
      expect((app.readinessProbe?.timeoutSeconds ?? 1) * 1000, name).toBeGreaterThan(loadConfig(overlay.config).READY_TIMEOUT_MS);
      // /live fails after 2 s of event-loop blockage (server/health.ts): the probe must not give up before.
      expect((app.livenessProbe?.timeoutSeconds ?? 1) * (app.livenessProbe?.failureThreshold ?? 3), name).toBeGreaterThan(2);
      const startupSeconds = (app.startupProbe?.periodSeconds ?? 10) * (app.startupProbe?.failureThreshold ?? 3);
      expect(startupSeconds, name).toBeGreaterThanOrEqual(name === "demo" ? 300 : 120);
    }
  });
});

describe("pod security", () => {
  it("runs every container as the image's non-root user, read-only, without capabilities, under RuntimeDefault seccomp", () => {
    const runtime = parseDockerfile().at(-1);
    const imageUser = runtime ? numericUser(runtime) : undefined;
    expect(imageUser?.uid).toBeGreaterThan(0);
    for (const [name, overlay] of overlays()) {
      const pod = overlay.deployment.spec?.template.spec;
      expect(pod?.securityContext, name).toMatchObject({
        runAsNonRoot: true,
        runAsUser: imageUser?.uid,
        runAsGroup: imageUser?.gid,
        seccompProfile: { type: "RuntimeDefault" },
      });
      expect(pod?.automountServiceAccountToken, name).toBe(false);
      for (const container of overlay.containers) {
        expect(container.securityContext, `${name} ${container.name}`).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ["ALL"] },
        });
        expect(container.resources?.requests, `${name} ${container.name}`).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
        expect(container.resources?.limits?.memory, `${name} ${container.name}`).toBeDefined();
      }
    }
  });

  it("mounts a volume for every writable path: the embedded database's folder in the demo, /tmp everywhere", () => {
    expect(production.app.volumeMounts?.map((m) => m.mountPath)).toEqual(["/tmp"]);
    expect(demo.app.volumeMounts?.map((m) => m.mountPath).sort()).toEqual(["/app/data", "/tmp"]);
    expect(path.posix.resolve("/app", loadConfig(demo.config).DATA_DIR)).toBe("/app/data");
    for (const [name, overlay] of overlays()) {
      const volumes = new Set(overlay.deployment.spec?.template.spec?.volumes?.map((v) => v.name));
      for (const mount of overlay.containers.flatMap((c) => c.volumeMounts ?? [])) {
        expect(volumes.has(mount.name), `${name}: volume ${mount.name}`).toBe(true);
      }
    }
  });

  it("spreads the pods over nodes", () => {
    const spread = production.deployment.spec?.template.spec?.topologySpreadConstraints ?? [];
    const podLabels = production.deployment.spec?.template.metadata?.labels ?? {};
    const byNode = spread.find((c) => c.topologyKey === "kubernetes.io/hostname");
    expect(byNode?.maxSkew).toBe(1);
    expect(podLabels).toMatchObject(byNode?.labelSelector?.matchLabels ?? { missing: "selector" });
  });
});

describe("configuration and secrets", () => {
  it("keeps secrets out of the manifests: references by name only, no Secret object, no credentials in the repository", () => {
    for (const [name, overlay] of overlays()) {
      expect(overlay.objects.filter((o) => o.kind === "Secret"), name).toEqual([]);
      expect(Object.keys(overlay.config).filter((key) => SECRET_KEYS.includes(key)), name).toEqual([]);
      for (const variable of overlay.containers.flatMap((c) => c.env ?? [])) {
        if (SECRET_KEYS.includes(variable.name)) expect(variable.valueFrom?.secretKeyRef, `${name} ${variable.name}`).toBeDefined();
      }
      // Every setting the ConfigMap holds is one the server accepts (a typo would stop start-up).
      expect(() => loadConfig(overlay.config), name).not.toThrow();
    }
    const files = [...walk(K8S), ...walk(path.join(ROOT, ".github"))];
    const leaks = files.flatMap((file) => {
      const text = readFileSync(file, "utf8");
      return [
        /^kind:\s*Secret\b/m.test(text) ? `${file}: a Secret object` : "",
        /^\s*(stringData|data):\s*\n\s+(DATABASE_URL|METRICS_TOKEN|LAUNCHDARKLY_SDK_KEY|BOOTSTRAP_ADMIN_PASSWORD):/m.test(text) ? `${file}: secret data` : "",
        /postgres(ql)?:\/\/[^\s:@/]+:[^\s@/]+@/.test(text) ? `${file}: a database URL with a password` : "",
        /\b(sdk|api)-[0-9a-f]{8}-[0-9a-f]{4}-/.test(text) ? `${file}: a LaunchDarkly key` : "",
      ].filter(Boolean);
    });
    expect(files.length).toBeGreaterThan(10);
    expect(leaks).toEqual([]);
  });

  it("serves the Ingress's TLS host as PUBLIC_ORIGIN, behind the proxy it trusts", () => {
    const ingress = one(production.objects, Ingress.is, "Ingress");
    const settings = loadConfig(production.config);
    const origin = new URL(settings.PUBLIC_ORIGIN ?? "http://unset.invalid");
    expect(origin.protocol).toBe("https:");
    expect(ingress.spec?.tls?.flatMap((t) => t.hosts ?? [])).toContain(origin.hostname);
    expect(ingress.spec?.rules?.map((r) => r.host)).toEqual([origin.hostname]);
    expect(settings.TRUST_PROXY).toBe(true);
    const backend = ingress.spec?.rules?.[0]?.http?.paths[0]?.backend.service;
    const service = one(production.objects, Service.is, "Service");
    expect(backend?.name).toBe(service.metadata?.name);
    expect(service.spec?.ports?.map((p) => p.name)).toContain(backend?.port?.name);
    expect(service.spec?.ports?.find((p) => p.name === "http")?.targetPort).toBe("http");
    expect(production.deployment.spec?.template.metadata?.labels).toMatchObject(service.spec?.selector ?? { missing: "selector" });
  });

  it("lets in only the ingress controller and Prometheus, and out DNS, PostgreSQL, the collector, NATS and HTTPS", () => {
    const policy = one(production.objects, NetworkPolicy.is, "NetworkPolicy");
    expect(production.deployment.spec?.template.metadata?.labels).toMatchObject(policy.spec?.podSelector?.matchLabels ?? { missing: "selector" });
    expect(policy.spec?.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(policy.spec?.ingress?.flatMap((rule) => rule.ports?.map((p) => p.port) ?? [])).toEqual(["http"]);
    const egressPorts = policy.spec?.egress?.flatMap((rule) => rule.ports?.map((p) => p.port) ?? []) ?? [];
    expect(new Set(egressPorts)).toEqual(new Set([53, 5432, 4317, 4318, 4222, 443]));
  });
});

describe("the demo overlay", () => {
  it("runs one pod that the next one replaces only once it is gone (the embedded database locks its folder)", () => {
    expect(demo.deployment.spec?.replicas).toBe(1);
    expect(demo.deployment.spec?.strategy).toEqual({ type: "Recreate" });
    expect(demo.objects.filter((o) => o.kind === "HorizontalPodAutoscaler")).toEqual([]);
    expect(demo.config.DATABASE_URL).toBeUndefined();
    expect(demo.app.env?.find((e) => e.name === "DATABASE_URL")).toBeUndefined();
  });

  it("says on every object that it is not for production", () => {
    for (const object of demo.objects) {
      expect(object.metadata.annotations?.["user-console.example.com/not-for-production"], object.kind).toMatch(/^demo/);
    }
  });
});

describe("the Prometheus Operator component", () => {
  it("scrapes the Service's http port at /metrics with METRICS_TOKEN, which /metrics requires beyond loopback", () => {
    const monitor = one(monitored, ServiceMonitor.is, "ServiceMonitor");
    const service = one(monitored, Service.is, "Service");
    expect(service.metadata?.labels).toMatchObject(monitor.spec.selector.matchLabels ?? { missing: "selector" });
    // The Operator names the job after the Service: the rules match job="user-console".
    expect(service.metadata?.name).toBe("user-console");
    expect(monitor.spec.endpoints?.[0]).toMatchObject({
      port: "http",
      path: "/metrics",
      authorization: { type: "Bearer", credentials: { name: "user-console", key: "METRICS_TOKEN" } },
    });
    expect(monitor.spec.endpoints?.[0]?.authorization?.credentials?.optional ?? false).toBe(false);
    // The pods listen beyond loopback: without the token the server would answer the scrape 404.
    const { app, config } = describeOverlay(monitored);
    expect(metricsAccess({ ...loadConfig(config), METRICS_TOKEN: undefined }).kind).toBe("off");
    expect(app.env?.find((e) => e.name === "METRICS_TOKEN")?.valueFrom?.secretKeyRef).toMatchObject({ name: "user-console", key: "METRICS_TOKEN" });
  });

  it("holds exactly the rules of deploy/observability, regenerated (npm run deploy:rules), which promtool accepts", async () => {
    const check = await run(process.execPath, [path.join(ROOT, "scripts/k8s-prometheus-rule.mjs"), "--check"]);
    expect(check.code, check.output).toBe(0);
    const rule = one(monitored, PrometheusRule.is, "PrometheusRule");
    const source: unknown = parseYaml(readFileSync(path.join(ROOT, "deploy/observability/prometheus-rules.yml"), "utf8"));
    expect({ groups: rule.spec.groups }).toEqual(source);
    const file = path.join(scratch, "rendered-rules.yml");
    writeFileSync(file, JSON.stringify({ groups: rule.spec.groups }));
    const promtool = await run("promtool", ["check", "rules", file]);
    expect(promtool.code, promtool.output).toBe(0);
  });
});

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

function run(file: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      resolve({ code, output: `${stdout}${stderr}${error && code === -1 ? `${error.message} (promtool comes with Debian's prometheus package)` : ""}` });
    });
  });
}
