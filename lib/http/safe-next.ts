/**
 * Where to go after signing in, from a `next` parameter anyone can put in a link: only a path on this site.
 * "//evil.example" and "/\evil.example" are protocol-relative addresses to browsers, so they are refused too,
 * as is anything with control characters (browsers strip tabs and newlines from URLs before parsing).
 */
export function safeNextPath(next: string | null | undefined): string | null {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return null;
  if (/[\u0000-\u001f\u007f]/.test(next)) return null;
  return next;
}
