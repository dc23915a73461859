"use client";

import { Table } from "@radix-ui/themes";
import type { ReactNode } from "react";

import { useTableDensity } from "@/components/flags/my-flags";
import type { TableDensity } from "@/lib/domain/feature-flags";

/** Radix's table sizes, closest first; app/globals.css tightens compact and loosens spacious beyond them. */
const SIZE: Record<TableDensity, "1" | "2" | "3"> = { compact: "1", comfortable: "2", spacious: "3" };

/**
 * The users table's frame, drawn as dense as the `users-table-density` flag says for the signed-in person
 * (issue 9). `data-density` names the variation, for styles and tests; `aria-busy` while a new page loads over the
 * last one.
 */
export function UserTableRoot({ children, busy = false }: { children: ReactNode; busy?: boolean }) {
  const density = useTableDensity();
  return (
    <Table.Root
      variant="surface"
      size={SIZE[density]}
      className="user-table"
      data-density={density}
      aria-busy={busy || undefined}
    >
      {children}
    </Table.Root>
  );
}
