"use client";

import Link from "next/link";
import type { MouseEvent } from "react";

/**
 * Previous/next links by cursor (rel=prev/next). A missing link is shown greyed out so the layout does not
 * jump, and hidden from assistive technology, for which it would be a control that does nothing. With `onPage`,
 * a plain click is handed to it (the users table pages through React Query without asking the server to render
 * the page); a click with a modifier (new tab, new window) stays a link.
 */
export function Pager({
  previous,
  next,
  onPage,
}: {
  previous: { href: string; cursor: string } | null;
  next: { href: string; cursor: string } | null;
  onPage?: (cursor: string) => void;
}) {
  const follow = (cursor: string) => (event: MouseEvent<HTMLAnchorElement>) => {
    if (!onPage || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    onPage(cursor);
  };
  // With `onPage` the server's render of the page is never used, so it is not fetched ahead either.
  const prefetch = onPage ? false : null;
  return (
    <nav className="pager" aria-label="Pagination">
      {previous ? (
        <Link href={previous.href} rel="prev" prefetch={prefetch} onClick={follow(previous.cursor)}>
          ← Previous
        </Link>
      ) : (
        <span className="disabled" aria-hidden="true">← Previous</span>
      )}
      {next ? (
        <Link href={next.href} rel="next" prefetch={prefetch} onClick={follow(next.cursor)}>
          Next →
        </Link>
      ) : (
        <span className="disabled" aria-hidden="true">Next →</span>
      )}
    </nav>
  );
}
