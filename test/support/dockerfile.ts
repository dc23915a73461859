/**
 * Reads the Dockerfile the way the tests need it: stages with their WORKDIR, ENV, COPY lines (with --from and
 * --chown), folders made by `RUN mkdir -p`, USER, ENTRYPOINT and CMD. Not a full Dockerfile parser: enough for
 * server/dockerfile.process.test.ts to rebuild the runtime stage's layout and for the deployment tests to
 * compare the manifests with the image.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

import { z } from "zod";

import { ROOT } from "./built-server";

export interface Stage {
  name: string;
  /** The FROM image, ARGs substituted. */
  from: string;
  workdir: string;
  env: Record<string, string>;
  copies: { from: string | null; chown: string | null; sources: string[]; destination: string }[];
  /** Absolute paths created by `mkdir -p` in RUN lines. */
  made: string[];
  entrypoint: string[] | null;
  cmd: string[] | null;
  user: string | null;
}

export const DOCKERFILE = path.join(ROOT, "Dockerfile");

const execForm = z.array(z.string()).min(1);

export function parseDockerfile(text: string = readFileSync(DOCKERFILE, "utf8")): Stage[] {
  const lines = text
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  const args: Record<string, string> = {};
  const substitute = (value: string) => value.replace(/\$\{(\w+)\}|\$(\w+)/g, (all, a, b) => args[a ?? b] ?? all);
  const stages: Stage[] = [];
  for (const line of lines) {
    const [instruction = "", ...rest] = line.split(/\s+/);
    const argsText = rest.join(" ");
    const stage = stages[stages.length - 1];
    switch (instruction.toUpperCase()) {
      case "ARG": {
        const [name, value] = argsText.split("=");
        if (name && value !== undefined && stages.length === 0) args[name] = value;
        break;
      }
      case "FROM":
        stages.push({
          name: /\bAS\s+(\S+)/i.exec(argsText)?.[1] ?? String(stages.length),
          from: substitute(argsText.split(/\s+/)[0] ?? ""),
          workdir: "/",
          env: {},
          copies: [],
          made: [],
          entrypoint: null,
          cmd: null,
          user: null,
        });
        break;
      case "WORKDIR":
        if (stage) stage.workdir = path.posix.resolve(stage.workdir, argsText);
        break;
      case "ENV":
        for (const [, key, value] of argsText.matchAll(/(\w+)=("[^"]*"|\S+)/g)) {
          if (stage && key && value) stage.env[key] = value.replace(/^"|"$/g, "");
        }
        break;
      case "RUN":
        for (const [, folders] of argsText.matchAll(/mkdir -p ((?:[^\s&;|]+\s*)+)/g)) {
          for (const folder of (folders ?? "").trim().split(/\s+/)) {
            if (stage) stage.made.push(path.posix.resolve(stage.workdir, folder));
          }
        }
        break;
      case "COPY": {
        const words = argsText.split(/\s+/);
        const option = (name: string) => words.find((word) => word.startsWith(`--${name}=`))?.slice(name.length + 3) ?? null;
        const paths = words.filter((word) => !word.startsWith("--"));
        const destination = paths.pop();
        if (stage && destination) stage.copies.push({ from: option("from"), chown: option("chown"), sources: paths, destination });
        break;
      }
      case "USER":
        if (stage) stage.user = argsText;
        break;
      // Exec form only: the shell form would put /bin/sh between the runtime and node, and SIGTERM with it.
      case "ENTRYPOINT":
        if (stage) stage.entrypoint = execForm.parse(JSON.parse(argsText));
        break;
      case "CMD":
        if (stage) stage.cmd = execForm.parse(JSON.parse(argsText));
        break;
    }
  }
  return stages;
}

/** The numeric uid and gid of a stage's `USER uid[:gid]` (undefined when it names a user instead). */
export function numericUser(stage: Stage): { uid: number; gid: number } | undefined {
  const match = /^(\d+)(?::(\d+))?$/.exec(stage.user ?? "");
  if (!match?.[1]) return undefined;
  return { uid: Number(match[1]), gid: Number(match[2] ?? match[1]) };
}
