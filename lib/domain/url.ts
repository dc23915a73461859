/**
 * `text` as a URL, or null when it is not one: the one way this code asks "is this a URL?".
 *
 * Not `URL.canParse`: on Node 20 its optimized path (a V8 fast API call) answers true for some strings that
 * `new URL` refuses, once it has run a few thousand times. A Host header of `Þ\x91` then passed the check and the
 * `new URL` after it threw: a 500 for a bad header, found by the hostile-input property tests. (Node 22's
 * `URL.parse` is this function; Node 20 lacks it.) The lint config refuses `URL.canParse`.
 */
export function parseUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}
