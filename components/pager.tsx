import Link from "next/link";

/**
 * Previous/next links by cursor (rel=prev/next). A missing link is shown greyed out so the layout does not
 * jump, and hidden from assistive technology, for which it would be a control that does nothing.
 */
export function Pager({ previous, next }: { previous: string | null; next: string | null }) {
  return (
    <nav className="pager" aria-label="Pagination">
      {previous ? (
        <Link href={previous} rel="prev">
          ← Previous
        </Link>
      ) : (
        <span className="disabled" aria-hidden="true">← Previous</span>
      )}
      {next ? (
        <Link href={next} rel="next">
          Next →
        </Link>
      ) : (
        <span className="disabled" aria-hidden="true">Next →</span>
      )}
    </nav>
  );
}
