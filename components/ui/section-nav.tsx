"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

export interface Section {
  href: string;
  label: string;
}

/** The sidebar's links; the one for the current page says so (aria-current), for sight and for screen readers. */
export function SectionNav({ sections }: { sections: readonly Section[] }) {
  const pathname = usePathname();
  return (
    <nav aria-label="Sections">
      <ul className="section-nav">
        {sections.map(({ href, label }) => {
          const current = pathname === href || pathname.startsWith(`${href}/`);
          return (
            <li key={href}>
              <Link href={href} aria-current={current ? "page" : undefined}>
                {label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
