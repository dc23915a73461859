"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, type ReactNode } from "react";

import { api, onReadOnlyRefusal } from "@/components/data/api";
import { USER_FLAGS_KEY } from "@/components/data/query-keys";
import { userFlagsResponse, type UserFlagJson } from "@/lib/api-contract/flag-evaluations";
import { FLAGS, TABLE_DENSITIES, type TableDensity } from "@/lib/domain/feature-flags";

/** Every query of a user's variations starts with this key; a flag change invalidates them all. */
export { USER_FLAGS_KEY };

/** The query of one user's variations (GET /api/v1/users/{id}/flags), on the user's page. */
export function userFlagsQuery(userId: string) {
  return {
    queryKey: [...USER_FLAGS_KEY, userId],
    queryFn: ({ signal }: { signal: AbortSignal }) =>
      api(`/api/v1/users/${encodeURIComponent(userId)}/flags`, userFlagsResponse, { signal }),
  };
}

/**
 * The signed-in person's own variations (GET /api/v1/session/flags), as the API's gates evaluate them: the
 * banner and the table's density.
 */
const myFlagsQuery = {
  queryKey: [...USER_FLAGS_KEY, "me"],
  queryFn: ({ signal }: { signal: AbortSignal }) => api("/api/v1/session/flags", userFlagsResponse, { signal }),
};

/**
 * How often the signed-in person's variations are read again: a flag turned on elsewhere (read-only mode during
 * an incident) shows within this time on a page left open, without a reload (issue 9).
 */
const REFRESH_MS = 10_000;

interface MyFlags {
  userId: string;
  /** The variations evaluated while the page was rendered on the server, so the first paint is already right. */
  initial: UserFlagJson[];
}

const MyFlagsContext = createContext<MyFlags | null>(null);

/**
 * Makes the signed-in person's flag variations available to the console's client components ({@link useMyFlag}).
 * A call anywhere that is refused with READ_ONLY_MODE means the variations just changed: they are read again
 * at once rather than at the next poll. `userId` null (someone who must change a one-time password first, whom
 * the API answers nothing else): no variations, the declared fallbacks apply.
 */
export function MyFlagsProvider({ userId, initial, children }: { userId: string | null; initial: UserFlagJson[]; children: ReactNode }) {
  const queryClient = useQueryClient();
  useEffect(() => {
    if (userId === null) return;
    return onReadOnlyRefusal(() => void queryClient.invalidateQueries({ queryKey: myFlagsQuery.queryKey }));
  }, [queryClient, userId]);
  return <MyFlagsContext.Provider value={userId === null ? null : { userId, initial }}>{children}</MyFlagsContext.Provider>;
}

function useMyFlags(): UserFlagJson[] | undefined {
  const mine = useContext(MyFlagsContext);
  const query = useQuery({
    ...myFlagsQuery,
    enabled: mine !== null,
    initialData: mine ? { items: mine.initial } : undefined,
    refetchInterval: REFRESH_MS,
  });
  return mine ? query.data?.items : undefined;
}

/** The signed-in person's variation of a flag; undefined outside the console or before it is known. */
export function useMyFlag(key: keyof typeof FLAGS): boolean | string | undefined {
  return useMyFlags()?.find((flag) => flag.key === key)?.value;
}

/** How dense the users table is for the signed-in person (`users-table-density`), its fallback when unknown. */
export function useTableDensity(): TableDensity {
  const value = useMyFlag("users-table-density");
  return TABLE_DENSITIES.find((density) => density === value) ?? FLAGS["users-table-density"].fallback;
}

/** Whether `ops-read-only-mode` is on for the signed-in person: the API refuses their changes meanwhile. */
export function useReadOnlyMode(): boolean {
  return useMyFlag("ops-read-only-mode") === true;
}
