import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

import { z } from "zod";

import { createRouteMatcher as createTemplateMatcher } from "../lib/http/route-matcher";

/**
 * Maps a request path to the route template that serves it (`/api/v1/users/0193...` → `/api/v1/users/[id]`), for
 * metric labels and log lines: a raw path would make a series per user id. The templates are the app's own
 * routes: from the build's `.next/app-path-routes-manifest.json`, or in development (where Next builds routes
 * on demand) from the `app/` folder. A path no route serves is `unmatched`; the server's own endpoints keep
 * their paths; Next's assets are one template each.
 */
export type RouteOf = (pathname: string) => string;

/**
 * Endpoints our server answers itself (server/health.ts, server/metrics-endpoint.ts): probes and scrapes, the
 * platform looking at us. Untraced, logged at debug, left out of the dashboard's traffic and of latency alerts.
 */
export const PROBE_ROUTES: ReadonlySet<string> = new Set(["/live", "/ready", "/metrics"]);
const ASSET_PREFIXES = ["/_next/static", "/_next/image", "/_next/data", "/__nextjs"];

export function createRouteMatcher(templates: readonly string[]): RouteOf {
  const matcher = createTemplateMatcher([...templates, ...PROBE_ROUTES]);
  return (pathname) => {
    const asset = ASSET_PREFIXES.find((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));
    if (asset) return asset;
    return matcher(pathname)?.template ?? "unmatched";
  };
}

/** Dynamic segments whose values may be recorded: ids and flag keys name resources, not credentials. */
export const PUBLIC_PARAMS: ReadonlySet<string> = new Set(["id", "key"]);
/** What a masked segment reads in a recorded path. */
export const REDACTED_SEGMENT = "REDACTED";

/** A request path as it may be recorded in spans and log lines (never the raw path: it can carry a secret). */
export type RedactPath = (pathname: string) => string;

/**
 * Masks every path segment that is not ours to know (issue 18, item 4: `/invitations/<secret>` reached exported
 * spans and logs). A path a route serves keeps its literal segments and the values of {@link PUBLIC_PARAMS};
 * every other parameter (`[token]`, and any new one until it is listed as public) reads REDACTED. A path no route
 * serves (a mistyped or trailing-slash link, a probe for `/wp-admin`) keeps only the segments some route spells
 * literally, so `/api/v1/invitations/<secret>` is `/api/v1/invitations/REDACTED`. Next's assets keep their paths
 * (build hashes, public by nature). The query string is never recorded.
 */
export function createPathRedactor(templates: readonly string[]): RedactPath {
  const all = [...templates, ...PROBE_ROUTES];
  const match = createTemplateMatcher(all);
  const literals = new Set(all.flatMap((template) => segmentsOf(template).filter((segment) => !segment.startsWith("["))));
  return (pathname) => {
    const path = pathname.split("?")[0] ?? "";
    if (ASSET_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) return path;
    const segments = segmentsOf(path);
    const template = match(path)?.template;
    const parts = template ? segmentsOf(template) : [];
    const kept = segments.map((segment, i) => {
      if (!template) return literals.has(segment) ? segment : REDACTED_SEGMENT;
      const part = parts[Math.min(i, parts.length - 1)] ?? "";
      const name = /^\[{1,2}(?:\.\.\.)?([^\]]+)\]{1,2}$/.exec(part)?.[1];
      if (name === undefined) return segment;
      return PUBLIC_PARAMS.has(name) ? segment : REDACTED_SEGMENT;
    });
    const trailing = segments.length > 0 && path.endsWith("/") ? "/" : "";
    return `/${kept.join("/")}${trailing}`;
  };
}

function segmentsOf(pathname: string): string[] {
  return pathname.split("/").filter((segment) => segment !== "");
}

const manifestSchema = z.record(z.string(), z.string());

/**
 * The app's route templates: the production build's manifest when there is one, else the `app/` folder's
 * `page` and `route` files (development). Route groups `(name)` and Next's internal pages are left out.
 */
export function loadRouteTemplates(dir: string): string[] {
  const manifest = path.join(dir, ".next", "app-path-routes-manifest.json");
  const appDir = path.join(dir, "app");
  const templates = existsSync(appDir)
    ? routesInAppFolder(appDir)
    : existsSync(manifest)
      ? Object.values(manifestSchema.parse(JSON.parse(readFileSync(manifest, "utf8"))))
      : [];
  return templates.filter((template) => !/^\/_(not-found|global-error)$/.test(template));
}

function routesInAppFolder(appDir: string): string[] {
  const templates: string[] = [];
  const walk = (folder: string, segments: string[]) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        // Route groups `(console)` add no segment; private folders `_lib` add no route.
        if (entry.name.startsWith("_")) continue;
        const segment = /^\(.*\)$/.test(entry.name) ? [] : [entry.name];
        walk(path.join(folder, entry.name), [...segments, ...segment]);
      } else if (/^(page|route)\.(tsx?|jsx?)$/.test(entry.name)) {
        templates.push(`/${segments.join("/")}`);
      } else if (/^(icon|apple-icon|favicon)\.\w+$/.test(entry.name)) {
        templates.push(`/${[...segments, entry.name].join("/")}`);
      }
    }
  };
  walk(appDir, []);
  return templates;
}
