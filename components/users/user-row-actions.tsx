"use client";

import { DotsHorizontalIcon } from "@radix-ui/react-icons";
import { Button, Dialog, DropdownMenu, Flex, IconButton, Select, Text } from "@radix-ui/themes";
import { useId, useState } from "react";

import type { useUserMutations } from "./user-mutations";
import type { UserJson } from "@/lib/api-contract/users";
import { ROLES, type Role } from "@/lib/domain/user";

/**
 * The per-row menu of the users table: disable or enable, change role (only when `mayAssignRole`), delete. The
 * changes are optimistic and delete offers Undo (components/users/user-mutations.ts), so none asks "are you sure?".
 */
export function UserRowActions({
  user,
  mayAssignRole,
  mutations,
}: {
  user: UserJson;
  mayAssignRole: boolean;
  mutations: ReturnType<typeof useUserMutations>;
}) {
  const [roleDialog, setRoleDialog] = useState(false);
  const enabling = user.status === "DISABLED";
  return (
    <>
      <DropdownMenu.Root>
        <DropdownMenu.Trigger>
          <IconButton variant="ghost" color="gray" aria-label={`Actions for ${user.name}`}>
            <DotsHorizontalIcon aria-hidden />
          </IconButton>
        </DropdownMenu.Trigger>
        <DropdownMenu.Content align="end">
          <DropdownMenu.Item onSelect={() => mutations.setStatus(user, enabling ? "ACTIVE" : "DISABLED")}>
            {enabling ? "Enable" : "Disable"}
          </DropdownMenu.Item>
          {mayAssignRole && <DropdownMenu.Item onSelect={() => setRoleDialog(true)}>Change role…</DropdownMenu.Item>}
          <DropdownMenu.Separator />
          <DropdownMenu.Item color="red" onSelect={() => mutations.remove(user)}>
            Delete
          </DropdownMenu.Item>
        </DropdownMenu.Content>
      </DropdownMenu.Root>

      {mayAssignRole && (
        <ChangeRoleDialog
          user={user}
          open={roleDialog}
          onOpenChange={setRoleDialog}
          onSave={(role) => {
            mutations.setRole(user, role);
            setRoleDialog(false);
          }}
        />
      )}
    </>
  );
}

function ChangeRoleDialog({
  user,
  open,
  onOpenChange,
  onSave,
}: {
  user: UserJson;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onSave: (role: Role) => void;
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
            onSave(role);
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
            <Button type="submit" disabled={role === user.role}>
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
