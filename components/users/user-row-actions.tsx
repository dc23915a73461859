"use client";

import { DotsHorizontalIcon } from "@radix-ui/react-icons";
import { DropdownMenu, IconButton } from "@radix-ui/themes";
import { useState } from "react";

import { DialogForm, FormDialog } from "@/components/ui/form-dialog";
import { capitalize } from "@/components/ui/format";
import { SelectField } from "@/components/ui/select-field";
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

/** The roles in ROLES' order, most powerful first (the create and invite forms list ROLE_OPTIONS, viewer first). */
const ROLE_CHOICES = ROLES.map((role) => ({ value: role, label: capitalize(role) }));

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
  return (
    // Put back to the user's role when dismissed, so the next opening starts from it.
    <FormDialog title="Change role" open={open} onOpenChange={onOpenChange} onDismiss={() => setRole(user.role)} maxWidth="420px">
      <DialogForm
        description={`${user.name} (${user.email}) is ${user.role} now.`}
        onSubmit={() => onSave(role)}
        submitLabel="Save role"
        disabled={role === user.role}
      >
        <SelectField label="Role" value={role} options={ROLE_CHOICES} onValueChange={setRole} />
      </DialogForm>
    </FormDialog>
  );
}
