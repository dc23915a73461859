"use client";

import { Table, VisuallyHidden } from "@radix-ui/themes";

/**
 * A table's header row of plain column names (Table.ColumnHeaderCell sets scope="col" itself). With `actions`, a
 * last column for each row's buttons, named "Actions" for screen readers only: it has no visible heading.
 */
export function ColumnHeaders({ columns, actions = false }: { columns: readonly string[]; actions?: boolean }) {
  return (
    <Table.Header>
      <Table.Row>
        {columns.map((column) => (
          <Table.ColumnHeaderCell key={column}>{column}</Table.ColumnHeaderCell>
        ))}
        {actions && (
          <Table.ColumnHeaderCell>
            <VisuallyHidden>Actions</VisuallyHidden>
          </Table.ColumnHeaderCell>
        )}
      </Table.Row>
    </Table.Header>
  );
}
