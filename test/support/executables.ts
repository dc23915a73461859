/**
 * Finding the tools a test runs (kubectl, promtool) as a shell would, so that a missing one fails with a message
 * that says how to get it rather than with ENOENT.
 */
import { accessSync, constants } from "node:fs";
import path from "node:path";

/** `name` in each directory on PATH, in PATH's order. */
export function onPath(name: string): string[] {
  return (process.env.PATH ?? "").split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, name));
}

/** The first of `candidates` that this process may execute, or undefined when none is. */
export function firstExecutable(candidates: readonly string[]): string | undefined {
  return candidates.find((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
