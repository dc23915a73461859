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
