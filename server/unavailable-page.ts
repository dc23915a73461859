import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * What a browser gets for a page while the database's circuit breaker is open (issue 17): answered by our server
 * itself, before Next, since every page needs the database (the session behind it at least). 503 with
 * Retry-After, a static page in the console's shell that says what is going on and reloads itself when the
 * breaker's next probe is due. Static assets (`/_next/...`, icons) are still served by Next.
 */
export function isPagePath(path: string): boolean {
  return !path.startsWith("/_next/") && !/\.[a-z0-9]+$/i.test(path);
}

export function answerDatabaseUnavailable(request: IncomingMessage, response: ServerResponse, retryAfterSeconds: number): void {
  const body = page(retryAfterSeconds);
  response.writeHead(503, {
    "content-type": "text/html; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    "retry-after": String(retryAfterSeconds),
    "cache-control": "no-store",
  });
  response.end(request.method === "HEAD" ? undefined : body);
}

/** Radix's gray scale and the shell's layout (app/globals.css `.sidebar`, `.brand`), without loading anything. */
function page(retryAfterSeconds: number): string {
  // Never sooner than the probe: reloading earlier would only meet this page again.
  const reloadSeconds = Math.max(2, retryAfterSeconds);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${reloadSeconds}">
<title>Temporarily unavailable · User console</title>
<style>
  :root { color-scheme: light dark; --bg: #fcfcfc; --panel: #f9f9f9; --line: #0000001f; --text: #202020; --muted: #646464; --accent: #8d8d8d; }
  @media (prefers-color-scheme: dark) { :root { --bg: #111; --panel: #191919; --line: #ffffff1f; --text: #eee; --muted: #b4b4b4; } }
  * { box-sizing: border-box; }
  body { margin: 0; min-height: 100vh; display: flex; background: var(--bg); color: var(--text);
    font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
  aside { width: 15rem; padding: 1rem; background: var(--panel); border-right: 1px solid var(--line); }
  .brand { font-weight: 700; font-size: 1.125rem; }
  main { flex: 1; display: flex; align-items: center; justify-content: center; padding: 1.5rem; }
  .card { max-width: 30rem; padding: 1.5rem; border: 1px solid var(--line); border-radius: 0.5rem; background: var(--panel); }
  h1 { margin: 0 0 0.75rem; font-size: 1.5rem; }
  p { margin: 0 0 0.75rem; line-height: 1.5; color: var(--muted); }
  @media (max-width: 48rem) { body { flex-direction: column; } aside { width: auto; border-right: none; border-bottom: 1px solid var(--line); } }
</style>
</head>
<body>
<aside><div class="brand">User console</div></aside>
<main>
  <div class="card" role="alert">
    <h1>The console is temporarily unavailable</h1>
    <p>Its database cannot be reached right now. Everything saved before is safe.</p>
    <p>This page reloads by itself in ${reloadSeconds} seconds, and the console is back as soon as the database is.</p>
  </div>
</main>
</body>
</html>
`;
}
