"use client";

import { Skeleton, Text } from "@radix-ui/themes";
import type { ReactNode } from "react";

import { LoadError } from "./load-error";

/** A list's useQuery as far as QueryList reads it: React Query's UseQueryResult of `{ items }` is one. */
export type ListQuery<T> =
  | { isPending: true }
  | { isPending: false; isError: true; error: unknown }
  | { isPending: false; isError: false; data: { items: readonly T[] } };

/**
 * A list read with React Query, in place in a page: a skeleton while it loads, the failure said with its trace id
 * ("`what` could not be loaded"), `empty` in gray when there are no items, else `children` given the items.
 * Without `empty`, no items go to `children` like any others (a table that says so itself, say).
 */
export function QueryList<T>({
  query,
  what,
  empty,
  skeletonHeight = "8rem",
  children,
}: {
  query: ListQuery<T>;
  what: string;
  empty?: string;
  skeletonHeight?: string;
  children: (items: readonly T[]) => ReactNode;
}) {
  if (query.isPending) return <Skeleton height={skeletonHeight} />;
  if (query.isError) return <LoadError error={query.error} what={what} />;
  if (empty !== undefined && query.data.items.length === 0) return <Text color="gray">{empty}</Text>;
  return children(query.data.items);
}
