import { readFileSync } from "node:fs";
import path from "node:path";

import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow, type WorkflowTemplate } from "@actions/workflow-parser";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

import { ROOT } from "../support/built-server";

/*
 * .github/workflows/ci.yml read by GitHub's own workflow parser (@actions/workflow-parser: the schema and
 * converter behind the Actions service's validation and the VS Code extension), and held to what issue 19 asks:
 * the same stages as `npm test`, the image pushed only from main with provenance and an SBOM, secrets by name.
 */

const WORKFLOW = path.join(ROOT, ".github/workflows/ci.yml");
const text = readFileSync(WORKFLOW, "utf8");

/** The stages `npm test` runs, in order, as scripts/test.mjs declares them. */
function npmTestStages(): string[] {
  const source = readFileSync(path.join(ROOT, "scripts/test.mjs"), "utf8");
  const declaration = /const STAGES = \[([\s\S]*?)\n\];/.exec(source)?.[1];
  if (!declaration) throw new Error("scripts/test.mjs declares no `const STAGES = [...]`");
  return Array.from(declaration.matchAll(/^ {2}\{\s*name: "([\w-]+)"/gm), (match) => match[1] ?? "");
}

async function parse(content: string): Promise<{ errors: string[]; template?: WorkflowTemplate }> {
  const result = parseWorkflow({ name: "ci.yml", content }, new NoOperationTraceWriter());
  const errors = result.context.errors.getErrors().map((error) => error.message);
  if (!result.value) return { errors };
  const template = await convertWorkflowTemplate(result.context, result.value);
  return { errors: [...errors, ...(template.errors ?? []).map((error) => error.Message)], template };
}

interface StepFacts {
  job: string;
  run?: string;
  uses?: string;
  with: Record<string, unknown>;
  if?: string;
}

/** Steps as plain data: the template's tokens for what the parser resolved, the YAML for `with` values. */
function stepsOf(template: WorkflowTemplate): StepFacts[] {
  const raw = z
    .object({ jobs: z.record(z.string(), z.object({ steps: z.array(z.object({ with: z.record(z.string(), z.unknown()).optional() }).loose()) }).loose()) })
    .parse(parseYaml(text));
  return template.jobs.flatMap((job) => {
    if (job.type !== "job") return [];
    return job.steps.map((step, i) => ({
      job: job.id.value,
      run: "run" in step ? step.run.toString() : undefined,
      uses: "uses" in step ? step.uses.value : undefined,
      with: raw.jobs[job.id.value]?.steps[i]?.with ?? {},
      if: step.if?.expression,
    }));
  });
}

let template: WorkflowTemplate;
let steps: StepFacts[];
beforeAll(async () => {
  const parsed = await parse(text);
  expect(parsed.errors).toEqual([]);
  if (!parsed.template) throw new Error("the workflow did not parse");
  template = parsed.template;
  steps = stepsOf(template);
});

describe(".github/workflows/ci.yml", () => {
  it("is a valid workflow for GitHub's parser (which rejects a broken one)", async () => {
    expect(template.jobs.map((job) => job.id.value)).toEqual(["checks", "integration", "build-and-e2e", "image"]);
    const broken = await parse("on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    stepz: []\n");
    expect(broken.errors.join("\n")).toMatch(/stepz/);
  });

  it("runs every stage of npm test, each once, through npm test itself", () => {
    const stages = npmTestStages();
    expect(stages).toEqual(["lint", "typecheck", "unit", "integration", "build", "process", "e2e"]);
    const run = steps.flatMap((step) => Array.from(step.run?.matchAll(/npm test -- --only=([\w,-]+)/g) ?? [], (m) => m[1]?.split(",") ?? []).flat());
    expect([...run].sort()).toEqual([...stages].sort());
    // Within a job, in npm test's order (build before process and e2e, which use the build).
    for (const job of new Set(steps.map((s) => s.job))) {
      const order = steps.filter((s) => s.job === job).flatMap((s) => Array.from(s.run?.matchAll(/--only=([\w-]+)/g) ?? [], (m) => m[1] ?? ""));
      expect(order, job).toEqual([...order].sort((a, b) => stages.indexOf(a) - stages.indexOf(b)));
    }
  });

  it("installs what the stages need: promtool and kubectl, PostgreSQL 15, NATS, HAProxy, Playwright's Chromium; caches npm and Next", () => {
    const stagesOf = (job: string) => steps.filter((s) => s.job === job).map((s) => `${s.run ?? ""} ${s.uses ?? ""}`).join("\n");
    for (const job of ["checks", "integration", "build-and-e2e"]) {
      const all = stagesOf(job);
      if (/--only=(unit|process)/.test(all)) expect(all, job).toMatch(/setup-kubectl/);
      if (/--only=unit/.test(all)) expect(all, job).toMatch(/prometheus/);
      if (/--only=(integration|process)/.test(all)) expect(all, job).toMatch(/postgresql-15/);
      if (/--only=integration/.test(all)) expect(all, job).toMatch(/nats-server/);
      if (/--only=process/.test(all)) expect(all, job).toMatch(/haproxy/);
      if (/--only=e2e/.test(all)) expect(all, job).toMatch(/playwright install --with-deps chromium/);
      expect(steps.find((s) => s.job === job && s.uses?.startsWith("actions/setup-node"))?.with.cache, job).toBe("npm");
    }
    expect(steps.find((s) => s.uses?.startsWith("actions/cache"))?.with.path).toBe(".next/cache");
  });

  it("builds the image with Buildx after the tests, pushing to GHCR only from main, with provenance and an SBOM", () => {
    const image = template.jobs.find((job) => job.id.value === "image");
    expect(image?.needs?.map((n) => n.value).sort()).toEqual(["build-and-e2e", "checks", "integration"]);
    expect(steps.some((s) => s.job === "image" && s.uses?.startsWith("docker/setup-buildx-action@"))).toBe(true);
    const build = steps.find((s) => s.uses?.startsWith("docker/build-push-action@"));
    expect(build?.with).toMatchObject({ push: "${{ env.PUSH == 'true' }}", provenance: "mode=max", sbom: true });
    expect(text).toMatch(/PUSH: \$\{\{ github\.event_name == 'push' && github\.ref == 'refs\/heads\/main' \}\}/);
    const login = steps.find((s) => s.uses?.startsWith("docker/login-action@"));
    expect(login?.if).toBe("success() && (env.PUSH == 'true')"); // the parser adds GitHub's implicit success()
    expect(login?.with.registry).toBe("ghcr.io");
    expect(steps.find((s) => s.uses?.startsWith("docker/metadata-action@"))?.with.images).toBe("ghcr.io/${{ github.repository }}");
  });

  it("names no secret but GITHUB_TOKEN, pins every action to a major version, and grants only what the push needs", () => {
    expect(Array.from(text.matchAll(/secrets\.(\w+)/g), (m) => m[1])).toEqual(["GITHUB_TOKEN"]);
    for (const step of steps.filter((s) => s.uses)) expect(step.uses, step.job).toMatch(/^[\w.-]+\/[\w.-]+@v\d+$/);
    const yaml = z
      .object({ permissions: z.record(z.string(), z.string()), jobs: z.record(z.string(), z.object({ permissions: z.record(z.string(), z.string()).optional() }).loose()) })
      .parse(parseYaml(text));
    expect(yaml.permissions).toEqual({ contents: "read" });
    const writes = Object.entries(yaml.jobs).flatMap(([id, job]) =>
      Object.entries(job.permissions ?? {}).filter(([, level]) => level === "write").map(([scope]) => `${id}: ${scope}`),
    );
    expect(writes).toEqual(["image: packages"]);
  });
});

describe(".github/dependabot.yml", () => {
  it("updates npm packages, GitHub Actions and the Dockerfile's images", () => {
    const config = z
      .object({ version: z.literal(2), updates: z.array(z.object({ "package-ecosystem": z.string(), directory: z.string() }).loose()) })
      .parse(parseYaml(readFileSync(path.join(ROOT, ".github/dependabot.yml"), "utf8")));
    expect(config.updates.map((u) => u["package-ecosystem"]).sort()).toEqual(["docker", "github-actions", "npm"]);
  });
});
