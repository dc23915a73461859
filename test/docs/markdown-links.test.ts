import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

/**
 * The README is a front door and the depth lives in docs/ (issue 22): the two hold together by relative links, and a
 * moved section or a renamed file must not leave one pointing nowhere. Checks every relative link (`](path)`,
 * `](path#anchor)`, `](#anchor)`, and an HTML image's `src`) in README.md and docs/**: the file or folder exists,
 * and an anchor into a Markdown file names one of its headings. Links in code blocks and code spans are examples,
 * not links, and are left alone.
 */

const root = fileURLToPath(new URL("../../", import.meta.url));

const documents = [
  "README.md",
  ...readdirSync(path.join(root, "docs"), { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".md"))
    .map((name) => path.posix.join("docs", name.split(path.sep).join("/"))),
].sort();

/** The text without fenced code blocks and code spans. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "").replace(/`[^`\n]*`/g, "");
}

function linksOf(markdown: string): string[] {
  const text = prose(markdown);
  const markdownLinks = [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1] ?? "");
  const htmlSources = [...text.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((match) => match[1] ?? "");
  return [...markdownLinks, ...htmlSources].filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/** GitHub's anchors: the heading's text lower-cased, punctuation dropped, spaces as hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading] of prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = (heading ?? "")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

describe("relative links in README.md and docs/", () => {
  it("finds the documents and their links (a checker that reads nothing passes anything)", () => {
    expect(documents).toEqual(expect.arrayContaining(["README.md", "docs/architecture.md", "docs/configuration.md"]));
    expect(linksOf(readFileSync(path.join(root, "README.md"), "utf8")).length).toBeGreaterThan(10);
  });

  it("reads anchors as GitHub makes them", () => {
    expect([...anchorsOf("# One request, through the layers\n## Versions: ETag and If-Match\n## Notes\n## Notes\n")]).toEqual([
      "one-request-through-the-layers",
      "versions-etag-and-if-match",
      "notes",
      "notes-1",
    ]);
  });

  it.each(documents)("%s links only to files, folders and headings that exist", (document) => {
    const markdown = readFileSync(path.join(root, document), "utf8");
    const broken: string[] = [];
    for (const link of linksOf(markdown)) {
      const [target = "", anchor] = link.split("#", 2);
      const file = target === "" ? path.join(root, document) : path.resolve(path.dirname(path.join(root, document)), decodeURI(target));
      if (!file.startsWith(root) || !existsSync(file)) {
        broken.push(`${link}: no such file`);
        continue;
      }
      if (anchor && file.endsWith(".md") && statSync(file).isFile() && !anchorsOf(readFileSync(file, "utf8")).has(anchor)) {
        broken.push(`${link}: no heading with that anchor`);
      }
    }
    expect(broken, `${document} has broken links`).toEqual([]);
  });
});
