"use client";

import { useMutation, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { toast } from "sonner";

import { ApiError, api, describeError, send } from "@/components/data/api";
import { USERS_KEY, USER_LISTS_KEY } from "@/components/data/query-keys";
import { userResponse, type UserJson, type UserPageJson } from "@/lib/api-contract/users";
import type { Role } from "@/lib/domain/user";


/** How long the Undo of a delete is offered (issue 7). */
export const UNDO_MS = 10_000;

type Snapshot = [readonly unknown[], UserPageJson | undefined][];

/** Applies `edit` to every cached page holding `id`, returning what they were, for a rollback. */
function editCachedPages(queryClient: QueryClient, edit: (page: UserPageJson) => UserPageJson): Snapshot {
  const snapshot = queryClient.getQueriesData<UserPageJson>({ queryKey: USER_LISTS_KEY });
  queryClient.setQueriesData<UserPageJson>({ queryKey: USER_LISTS_KEY }, (page) => (page ? edit(page) : page));
  return snapshot;
}

function restore(queryClient: QueryClient, snapshot: Snapshot) {
  for (const [key, page] of snapshot) queryClient.setQueryData(key, page);
}

const replaceUser = (id: string, change: (user: UserJson) => UserJson) => (page: UserPageJson) => ({
  ...page,
  items: page.items.map((user) => (user.id === id ? change(user) : user)),
});

const userPath = (id: string) => `/api/v1/users/${encodeURIComponent(id)}`;
const ifMatch = (user: UserJson) => ({ "if-match": `"${user.version}"` });

/** Why the server refused, in words for a toast; a 412 says what the table now shows instead. */
function refusal(error: unknown): { description?: string } {
  if (error instanceof ApiError && error.status === 412) {
    return { description: "Someone changed this user meanwhile; the table now shows their version." };
  }
  const { title, detail } = describeError(error);
  return { description: detail ? `${title}: ${detail}` : title };
}

type Patch = { status: "ACTIVE" | "DISABLED" } | { role: Role };

/**
 * The one-user changes of the users table, optimistic (issue 7): the table shows the change at once; when the
 * server refuses, every cached page goes back to what it was and a toast says why. Each change sends the
 * version the row was shown with (If-Match), so a change to a user someone else changed meanwhile is refused
 * (412) rather than overwriting theirs. Afterwards the lists are fetched again, so filters and counts agree.
 */
export function useUserMutations() {
  const queryClient = useQueryClient();
  const settle = () => queryClient.invalidateQueries({ queryKey: USERS_KEY });

  const patch = useMutation({
    mutationFn: ({ user, change }: { user: UserJson; change: Patch; done: string; failed: string }) =>
      api(userPath(user.id), userResponse, { method: "PATCH", body: change, headers: ifMatch(user) }),
    onMutate: async ({ user, change }) => {
      // A fetch still in flight would otherwise land after this edit and undo it on screen.
      await queryClient.cancelQueries({ queryKey: USER_LISTS_KEY });
      return editCachedPages(queryClient, replaceUser(user.id, (row) => ({ ...row, ...change })));
    },
    onSuccess: (updated, { done }) => {
      editCachedPages(queryClient, replaceUser(updated.id, () => updated));
      toast.success(done);
    },
    onError: (error, { failed }, snapshot) => {
      if (snapshot) restore(queryClient, snapshot);
      toast.error(failed, refusal(error));
    },
    onSettled: settle,
  });

  const undelete = useMutation({
    mutationFn: (user: UserJson) => send(`${userPath(user.id)}/restore`, { method: "POST" }),
    onSuccess: (_, user) => toast.success(`${user.email} was restored`),
    onError: (error, user) => toast.error(`Could not restore ${user.email}`, refusal(error)),
    onSettled: settle,
  });

  const remove = useMutation({
    mutationFn: (user: UserJson) => send(userPath(user.id), { method: "DELETE", headers: ifMatch(user) }),
    onMutate: async (user) => {
      await queryClient.cancelQueries({ queryKey: USER_LISTS_KEY });
      return editCachedPages(queryClient, (page) => ({
        ...page,
        items: page.items.filter((row) => row.id !== user.id),
        total: page.items.some((row) => row.id === user.id) ? { ...page.total, count: Math.max(0, page.total.count - 1) } : page.total,
      }));
    },
    onSuccess: (_, user) => {
      toast.success(`${user.email} was deleted`, {
        description: "Their sessions have ended.",
        duration: UNDO_MS,
        action: { label: "Undo", onClick: () => undelete.mutate(user) },
      });
    },
    onError: (error, user, snapshot) => {
      if (snapshot) restore(queryClient, snapshot);
      toast.error(`Could not delete ${user.email}`, refusal(error));
    },
    onSettled: settle,
  });

  return {
    setStatus: (user: UserJson, status: "ACTIVE" | "DISABLED") => {
      const verb = status === "ACTIVE" ? "enable" : "disable";
      patch.mutate({ user, change: { status }, done: `${user.email} was ${verb}d`, failed: `Could not ${verb} ${user.email}` });
    },
    setRole: (user: UserJson, role: Role) =>
      patch.mutate({ user, change: { role }, done: `${user.email} is now ${role}`, failed: `Could not change the role of ${user.email}` }),
    remove: (user: UserJson) => remove.mutate(user),
  };
}
