/**
 * Renders a kustomization the way `kubectl apply -k` would, with the kubectl on this machine image (1.32, with
 * kustomize 5.5): no cluster is needed to render. Without kubectl the caller fails, saying so, never skips.
 */
import { execFile } from "node:child_process";
import path from "node:path";

import { parseAllDocuments } from "yaml";
import { z } from "zod";

import { firstExecutable, onPath } from "./executables";

/**
 * Where kubectl is: on PATH (CI's setup-kubectl), else where this machine image (/usr/bin, 1.32) or a manual
 * install (/usr/local/bin) puts it. Debian's own package is 1.20, too old for kustomize components.
 */
const KUBECTL_CANDIDATES = [...onPath("kubectl"), "/usr/bin/kubectl", "/usr/local/bin/kubectl"];

export function kubectl(): string {
  const found = firstExecutable(KUBECTL_CANDIDATES);
  if (found) return found;
  throw new Error(
    "kubectl is not installed (not on PATH, nor /usr/bin/kubectl, nor /usr/local/bin/kubectl), so the manifests in deploy/k8s cannot " +
      "be rendered. Install kubectl >= 1.27 (it embeds kustomize): this machine image ships 1.32 at /usr/bin/kubectl.",
  );
}

/** What every rendered object has; the rest is checked against the Kubernetes schemas by the tests. */
export const k8sObject = z
  .object({
    apiVersion: z.string(),
    kind: z.string(),
    metadata: z
      .object({
        name: z.string(),
        namespace: z.string().optional(),
        labels: z.record(z.string(), z.string()).optional(),
        annotations: z.record(z.string(), z.string()).optional(),
      })
      .loose(),
  })
  .loose();
export type K8sObject = z.infer<typeof k8sObject>;

/** `kubectl kustomize dir`, parsed: one object per YAML document. */
export function renderKustomization(dir: string): Promise<K8sObject[]> {
  return new Promise((resolve, reject) => {
    execFile(kubectl(), ["kustomize", dir], { maxBuffer: 16 * 1024 * 1024, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`kubectl kustomize ${path.relative(process.cwd(), dir) || dir} failed: ${stderr || error.message}`));
        return;
      }
      try {
        resolve(parseAllDocuments(stdout).map((document) => k8sObject.parse(document.toJS())));
      } catch (parseError) {
        reject(parseError instanceof Error ? parseError : new Error(String(parseError)));
      }
    });
  });
}
