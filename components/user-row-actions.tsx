"use client";

import { DotsHorizontalIcon } from "@radix-ui/react-icons";
import { AlertDialog, Button, Dialog, DropdownMenu, Flex, IconButton, Select, Text } from "@radix-ui/themes";
import { useRouter } from "next/navigation";
import { useId, useState, useTransition } from "react";
import { toast } from "sonner";

import { api, describeError, send } from "./api";
import { userResponse } from "./api-types";
import { ROLES, type Role } from "@/lib/domain/user";


export interface ActionableUser {
  id: string;
  name: string;
  email: string;
  role: Role;
  status: "ACTIVE" | "DISABLED" | "INVITED";
  /** Sent back as If-Match, so a change made on a stale row is refused (412) rather than lost. */
  version: number;
}

/**
 * The per-row menu of the users table: disable or enable, change role (only when `mayAssignRole`), delete.
 * Each change names the version the row was rendered with; after it, the server-rendered page is refreshed.
 */
export function UserRowActions({ user, mayAssignRole }: { user: ActionableUser; mayAssignRole: boolean }) {
  const router = useRouter();
  const [dialog, setDialog] = useState<"role" | "delete" | null>(null);
  const [busy, setBusy] = useState(false);
  const [, startRefresh] = useTransition();
  // The version a PATCH answered with: a second action may come before the refreshed page brings it in props.
  const [answeredVersion, setAnsweredVersion] = useState(0);
  const version = Math.max(user.version, answeredVersion);

  async function change(
    request: { method: "PATCH"; body: Record<string, string> } | { method: "DELETE" },
    done: string,
  ): Promise<boolean> {
    setBusy(true);
    try {
      const path = `/api/v1/users/${encodeURIComponent(user.id)}`;
      const headers = { "if-match": `"${version}"` };
      if (request.method === "PATCH") {
        setAnsweredVersion((await api(path, userResponse, { ...request, headers })).version);
      } else {
        await send(path, { ...request, headers });
      }
      toast.success(done);
      return true;
    } catch (error) {
      const { title, detail } = describeError(error);
      toast.error(title, { description: detail });
      return false;
    } finally {
      setBusy(false);
      // Also after a failure: a 412 means the row changed meanwhile, and the fresh one is what to act on.
      startRefresh(() => router.refresh());
    }
  }

  const enabling = user.status === "DISABLED";
  return (
    <>
      <DropdownMenu.Root>
        <DropdownMenu.Trigger>
          <IconButton variant="ghost" color="gray" aria-label={`Actions for ${user.name}`} disabled={busy}>
            <DotsHorizontalIcon aria-hidden />
          </IconButton>
        </DropdownMenu.Trigger>
        <DropdownMenu.Content align="end">
          <DropdownMenu.Item
            onSelect={() =>
              void change(
                { method: "PATCH", body: { status: enabling ? "ACTIVE" : "DISABLED" } },
                enabling ? `${user.email} was enabled` : `${user.email} was disabled`,
              )
            }
          >
            {enabling ? "Enable" : "Disable"}
          </DropdownMenu.Item>
          {mayAssignRole && <DropdownMenu.Item onSelect={() => setDialog("role")}>Change role…</DropdownMenu.Item>}
          <DropdownMenu.Separator />
          <DropdownMenu.Item color="red" onSelect={() => setDialog("delete")}>
            Delete…
          </DropdownMenu.Item>
        </DropdownMenu.Content>
      </DropdownMenu.Root>

      {mayAssignRole && (
        <ChangeRoleDialog
          user={user}
          open={dialog === "role"}
          onOpenChange={(open) => setDialog(open ? "role" : null)}
          onSave={async (role) => {
            if (await change({ method: "PATCH", body: { role } }, `${user.email} is now ${role}`)) setDialog(null);
          }}
          busy={busy}
        />
      )}

      <AlertDialog.Root open={dialog === "delete"} onOpenChange={(open) => setDialog(open ? "delete" : null)}>
        <AlertDialog.Content maxWidth="450px">
          <AlertDialog.Title>Delete {user.name}?</AlertDialog.Title>
          <AlertDialog.Description size="2">
            {user.email} will no longer be able to sign in, and their sessions end at once.
          </AlertDialog.Description>
          <Flex gap="3" mt="4" justify="end">
            <AlertDialog.Cancel>
              <Button variant="soft" color="gray">
                Cancel
              </Button>
            </AlertDialog.Cancel>
            <Button
              color="red"
              loading={busy}
              onClick={async () => {
                if (await change({ method: "DELETE" }, `${user.email} was deleted`)) setDialog(null);
              }}
            >
              Delete user
            </Button>
          </Flex>
        </AlertDialog.Content>
      </AlertDialog.Root>
    </>
  );
}

function ChangeRoleDialog({
  user,
  open,
  onOpenChange,
  onSave,
  busy,
}: {
  user: ActionableUser;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onSave: (role: Role) => Promise<void>;
  busy: boolean;
}) {
  const [role, setRole] = useState<Role>(user.role);
  const labelId = useId();
  return (
    <Dialog.Root
      open={open}
      onOpenChange={(next) => {
        if (next) setRole(user.role);
        onOpenChange(next);
      }}
    >
      <Dialog.Content maxWidth="420px">
        <Dialog.Title>Change role</Dialog.Title>
        <Dialog.Description size="2" mb="4">
          {user.name} ({user.email}) is {user.role} now.
        </Dialog.Description>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void onSave(role);
          }}
        >
          <Flex direction="column" gap="1">
            <Text as="label" id={labelId} size="2" weight="medium">
              Role
            </Text>
            <Select.Root value={role} onValueChange={(value) => setRole(parseRole(value))}>
              <Select.Trigger aria-labelledby={labelId} />
              <Select.Content>
                {ROLES.map((option) => (
                  <Select.Item key={option} value={option}>
                    {option.charAt(0) + option.slice(1).toLowerCase()}
                  </Select.Item>
                ))}
              </Select.Content>
            </Select.Root>
          </Flex>
          <Flex gap="3" mt="5" justify="end">
            <Dialog.Close>
              <Button type="button" variant="soft" color="gray">
                Cancel
              </Button>
            </Dialog.Close>
            <Button type="submit" loading={busy} disabled={role === user.role}>
              Save role
            </Button>
          </Flex>
        </form>
      </Dialog.Content>
    </Dialog.Root>
  );
}

/** Select values are the ROLES above; anything else would be a bug here, so it keeps the safest role. */
export function parseRole(value: string): Role {
  return ROLES.find((role) => role === value) ?? "VIEWER";
}
