"use client";

import { CaretDownIcon } from "@radix-ui/react-icons";
import { Button, Callout, DropdownMenu, Flex } from "@radix-ui/themes";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { toast } from "sonner";

import { api, describeError } from "@/components/data/api";
import { USERS_KEY } from "@/components/data/query-keys";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { capitalize } from "@/components/ui/format";
import { bulkUsersResponse, type BulkResultJson } from "@/lib/api-contract/users-bulk";
import { ROLES, type Role } from "@/lib/domain/user";
import type { BulkAction } from "@/lib/domain/user-bulk";
import type { UserListQuery } from "@/lib/domain/user-list";

/** The rows picked for a bulk action: listed ids (from any pages), or every user the filters match. */
export type Selection = { all: false; ids: ReadonlySet<string> } | { all: true };

type Command = { action: Exclude<BulkAction, "restore" | "set-role"> } | { action: "set-role"; role: Role };

/** How many failures the result toast lists by name; the rest are counted. */
const FAILURES_SHOWN = 5;

const WORDS = {
  disable: { verb: "Disable", done: "Disabled", effect: "They can no longer sign in, and their sessions end at once." },
  enable: { verb: "Enable", done: "Enabled", effect: "They can sign in again." },
  delete: {
    verb: "Delete",
    done: "Deleted",
    effect: "They can no longer sign in and their sessions end at once. Deleted users can be restored later.",
  },
  "set-role": { verb: "Change the role of", done: "Changed the role of", effect: "" },
} as const;

/**
 * What to do with the selected users (POST /api/v1/users/bulk, issue 6): disable, enable, delete or set the role
 * of the listed ids, or of every user the table's filters match ("select all N matching"). A confirmation states
 * the count first; the result toast counts what changed and names each user whose change failed.
 */
export function UserBulkActions({
  selection,
  count,
  countIsExact,
  query,
  mayAssignRole,
  onDone,
}: {
  selection: Selection;
  /** How many users the selection holds (for "all", the listing's total). */
  count: number;
  countIsExact: boolean;
  query: UserListQuery;
  mayAssignRole: boolean;
  /** The action finished (whatever its result): the selection is spent. */
  onDone: () => void;
}) {
  const queryClient = useQueryClient();
  const [pending, setPending] = useState<Command | null>(null);
  const bulk = useMutation({
    mutationFn: (command: Command) =>
      api("/api/v1/users/bulk", bulkUsersResponse, {
        method: "POST",
        body: {
          ...command,
          ...(selection.all
            ? { filter: { q: query.search, role: query.roles, status: query.statuses, includeDeleted: query.includeDeleted || undefined } }
            : { ids: [...selection.ids] }),
        },
      }),
    onSuccess: (result, command) => {
      reportResult(result, command);
      setPending(null);
      onDone();
    },
    onError: (error) => {
      const { title, detail } = describeError(error);
      toast.error(`The bulk action failed: ${title}`, { description: `${detail ?? ""} Nothing was changed.`.trim() });
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: USERS_KEY }),
  });

  const users = `${countIsExact ? "" : "about "}${count.toLocaleString("en")} ${count === 1 ? "user" : "users"}`;
  const words = pending ? WORDS[pending.action] : null;
  return (
    <>
      <Flex gap="2" wrap="wrap" role="group" aria-label="Bulk actions">
        <Button variant="soft" onClick={() => setPending({ action: "disable" })}>
          Disable
        </Button>
        <Button variant="soft" onClick={() => setPending({ action: "enable" })}>
          Enable
        </Button>
        {mayAssignRole && (
          <DropdownMenu.Root>
            <DropdownMenu.Trigger>
              <Button variant="soft">
                Set role
                <CaretDownIcon aria-hidden />
              </Button>
            </DropdownMenu.Trigger>
            <DropdownMenu.Content>
              {ROLES.map((role) => (
                <DropdownMenu.Item key={role} onSelect={() => setPending({ action: "set-role", role })}>
                  {capitalize(role)}
                </DropdownMenu.Item>
              ))}
            </DropdownMenu.Content>
          </DropdownMenu.Root>
        )}
        <Button variant="soft" color="red" onClick={() => setPending({ action: "delete" })}>
          Delete
        </Button>
      </Flex>
      {pending && words && (
        <ConfirmDialog
          open
          onOpenChange={(open) => (open ? undefined : setPending(null))}
          title={
            pending.action === "set-role"
              ? `Make ${users} ${capitalize(pending.role)}?`
              : `${words.verb} ${users}?`
          }
          confirmLabel={pending.action === "set-role" ? `Make ${users} ${capitalize(pending.role)}` : `${words.verb} ${users}`}
          destructive={pending.action === "delete" || pending.action === "disable"}
          busy={bulk.isPending}
          onConfirm={() => bulk.mutate(pending)}
          description={[
            selection.all ? `Every user matching ${describeFilters(query)}.` : `The ${users} you selected.`,
            words.effect,
            "Each user is changed and audited on their own; those already so are skipped.",
          ]
            .filter(Boolean)
            .join(" ")}
        >
          {bulk.isPending && (
            <Callout.Root color="gray" size="1" role="status" mt="3">
              <Callout.Text>Working on {users}… Thousands of users can take up to a minute.</Callout.Text>
            </Callout.Root>
          )}
        </ConfirmDialog>
      )}
    </>
  );
}

/** The toast after a bulk action: what changed, what already was, and who failed and why. */
function reportResult(result: BulkResultJson, command: Command) {
  const done = command.action === "set-role" ? `Made ${result.succeeded} ${plural(result.succeeded)} ${capitalize(command.role)}` : `${WORDS[command.action].done} ${result.succeeded} ${plural(result.succeeded)}`;
  const skipped = result.skipped > 0 ? `${result.skipped} already ${result.skipped === 1 ? "was" : "were"}, so ${result.skipped === 1 ? "was" : "were"} skipped.` : "";
  if (result.failed.length === 0) {
    toast.success(done, { description: skipped || undefined });
    return;
  }
  const shown = result.failed.slice(0, FAILURES_SHOWN);
  const more = result.failed.length - shown.length;
  toast.warning(`${done}; ${result.failed.length} failed`, {
    // Failures are what someone must act on: the toast stays until closed.
    duration: Number.POSITIVE_INFINITY,
    description: (
      <Flex direction="column" gap="1">
        {skipped && <span>{skipped}</span>}
        <ul className="bulk-failures" aria-label="Failed">
          {shown.map((failure) => (
            <li key={failure.id}>
              {failure.email ?? failure.id}: {failure.message}
            </li>
          ))}
        </ul>
        {more > 0 && <span>and {more} more.</span>}
      </Flex>
    ),
  });
}

/** The filters in words, for "every user matching …". */
export function describeFilters(query: UserListQuery): string {
  const parts = [
    query.search ? `“${query.search}”` : null,
    query.roles?.length ? `role ${query.roles.map(capitalize).join(" or ")}` : null,
    query.statuses?.length ? `status ${query.statuses.map(capitalize).join(" or ")}` : null,
  ].filter((part) => part !== null);
  return parts.length > 0 ? parts.join(", ") : "no filter (every user)";
}

function plural(count: number): string {
  return count === 1 ? "user" : "users";
}
