import Link from "next/link";

/** Previous/next links by cursor; a missing link is shown greyed out so the layout does not jump. */
export function Pager({ previous, next }: { previous: string | null; next: string | null }) {
  return (
    <nav className="pager" aria-label="Pagination">
      {previous ? (
        <Link href={previous} rel="prev">
          ← Previous
        </Link>
      ) : (
        <span className="disabled" aria-disabled="true">← Previous</span>
      )}
      {next ? (
        <Link href={next} rel="next">
          Next →
        </Link>
      ) : (
        <span className="disabled" aria-disabled="true">Next →</span>
      )}
    </nav>
  );
}
