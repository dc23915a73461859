"use client";

import { Table } from "@radix-ui/themes";
import type { ReactNode } from "react";

import { ColumnHeaders } from "./column-headers";
import { QueryList, type ListQuery } from "./query-list";

/**
 * A list read with React Query shown as a table: QueryList's skeleton, failure and `empty` text, else a surface
 * table of `columns` (and, with `actions`, a last column for each row's buttons, named for screen readers only) with a row per item, drawn by `children`
 * (which gives each row its key).
 */
export function QueryTable<T>({
  query,
  what,
  empty,
  skeletonHeight,
  columns,
  actions,
  caption,
  size,
  children: row,
}: {
  query: ListQuery<T>;
  what: string;
  empty?: string;
  skeletonHeight?: string;
  columns: readonly string[];
  actions?: boolean;
  /** For screen readers only. */
  caption?: string;
  size?: "1" | "2" | "3";
  children: (item: T) => ReactNode;
}) {
  return (
    <QueryList query={query} what={what} empty={empty} skeletonHeight={skeletonHeight}>
      {(items) => (
        <Table.Root variant="surface" size={size}>
          {caption && <caption className="visually-hidden">{caption}</caption>}
          <ColumnHeaders columns={columns} actions={actions} />
          <Table.Body>{items.map((item) => row(item))}</Table.Body>
        </Table.Root>
      )}
    </QueryList>
  );
}
