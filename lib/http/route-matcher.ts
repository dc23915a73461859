/**
 * Matches a request path against route templates in Next's notation (`/api/v1/users/[id]`, `[...rest]`,
 * `[[...rest]]`), with Next's precedence: static segments before dynamic ones before catch-alls, so
 * `/api/v1/users/export.csv` is not `[id]`. One matcher serves both the metric labels (server/route-templates.ts)
 * and the API's dispatch (lib/http/api-router.ts), so a path is labelled by the route that answers it.
 */
export interface RouteMatch {
  template: string;
  /** The dynamic segments by name, URL-decoded; a catch-all's segments joined with "/". */
  params: Record<string, string>;
}

/** The route serving `pathname`, or undefined; a path whose dynamic segment cannot be URL-decoded serves none. */
export type RouteMatcher = (pathname: string) => RouteMatch | undefined;

interface Node {
  statics: Map<string, Node>;
  dynamic?: Node;
  /** `[...rest]` or `[[...rest]]`: the rest of the path. */
  catchAll?: string;
  template?: string;
}

export function createRouteMatcher(templates: Iterable<string>): RouteMatcher {
  const root: Node = { statics: new Map() };
  for (const template of templates) {
    let node = root;
    const segments = segmentsOf(template);
    for (const [i, segment] of segments.entries()) {
      if (/^\[\[?\.\.\./.test(segment)) {
        node.catchAll = template;
        if (segment.startsWith("[[")) node.template ??= template; // optional: matches with nothing more
        break;
      }
      const next: Node = segment.startsWith("[")
        ? (node.dynamic ??= { statics: new Map() })
        : (node.statics.get(segment) ?? { statics: new Map() });
      if (!segment.startsWith("[")) node.statics.set(segment, next);
      node = next;
      if (i === segments.length - 1) node.template = template;
    }
    if (segments.length === 0) node.template = template;
  }

  return (pathname) => {
    const segments = segmentsOf(pathname);
    const template = match(root, segments, 0);
    if (template === undefined) return undefined;
    const params = paramsOf(template, segments);
    return params && { template, params };
  };
}

function match(node: Node, segments: string[], at: number): string | undefined {
  if (at === segments.length) return node.template;
  const segment = segments[at] ?? "";
  const viaStatic = node.statics.get(segment);
  return (
    (viaStatic && match(viaStatic, segments, at + 1)) ??
    (node.dynamic && match(node.dynamic, segments, at + 1)) ??
    node.catchAll
  );
}

function paramsOf(template: string, segments: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [i, part] of segmentsOf(template).entries()) {
    const name = /^\[{1,2}(?:\.\.\.)?([^\]]+)\]{1,2}$/.exec(part)?.[1];
    if (name === undefined) continue;
    const value = part.includes("...") ? segments.slice(i).join("/") : segments[i];
    if (value === undefined) continue;
    try {
      params[name] = decodeURIComponent(value);
    } catch {
      return undefined; // a malformed %-escape names no resource
    }
  }
  return params;
}

function segmentsOf(pathname: string): string[] {
  return pathname.split("/").filter((segment) => segment !== "");
}
