"use client";

import { useSyncExternalStore } from "react";

import { formatDateTime } from "./format";

const utc = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const noSubscription = () => () => {};

/**
 * A time in the reader's own locale and zone, for client components whose first render happens on the server (the
 * user's page): the server does not know the reader's zone, so the server and the hydrating render both say UTC
 * (identical text, no hydration mismatch), and the browser switches to local time right after. Rendered in the
 * browser from the start (a client-side navigation), it is local at once.
 */
export function DateTime({ iso }: { iso: string }) {
  const hydrated = useSyncExternalStore(
    noSubscription,
    () => true,
    () => false,
  );
  return <time dateTime={iso}>{hydrated ? formatDateTime(iso) : `${utc.format(new Date(iso))} UTC`}</time>;
}
