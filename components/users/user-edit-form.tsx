"use client";

import { ExclamationTriangleIcon } from "@radix-ui/react-icons";
import { Button, Callout, Flex, Heading, Table, Text } from "@radix-ui/themes";
import { useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState, type FormEvent } from "react";
import { toast } from "sonner";

import { ApiError, api } from "@/components/data/api";
import { USERS_KEY, userOverviewKey } from "@/components/data/query-keys";
import { ColumnHeaders } from "@/components/ui/column-headers";
import { checkForm } from "@/components/ui/form-errors";
import { FormField } from "@/components/ui/form-field";
import { LoadError } from "@/components/ui/load-error";
import { ROLE_OPTIONS, SelectField, type SelectOption } from "@/components/ui/select-field";
import { useFormMutation } from "@/components/ui/use-form-mutation";
import { EDIT_FIELDS, FIELD_LABEL, changesOf, conflictRows, editValuesOf, type EditField, type EditValues } from "./user-edit";
import { patchUserBody, userResponse, type PatchUserBody, type UserJson } from "@/lib/api-contract/users";
import type { UserOverviewJson } from "@/lib/api-contract/users-overview";

/**
 * Edits a user's name, role (only with users:assign-role) and status, as a JSON merge patch of the fields the person
 * changed, with `If-Match` naming the version the edit started from. When someone else saved the user meanwhile
 * (412), the form shows each field's value then, theirs and the person's own, and offers to take theirs (Reload)
 * or to send the person's changes again over theirs (Overwrite, with the new version's If-Match). The 412 names
 * only the new version (its ETag), not the user, so the current user is read with GET.
 */
export function UserEditForm({
  user,
  mayAssignRole,
  isViewer,
  onClose,
}: {
  user: UserJson;
  mayAssignRole: boolean;
  /** The person is editing themselves: the console's shell (server-rendered) shows their name too. */
  isViewer: boolean;
  onClose: () => void;
}) {
  const router = useRouter();
  const queryClient = useQueryClient();
  /** The user as the edit started: the version sent in If-Match and the values "changed" is measured from. */
  const [start, setStart] = useState<UserJson>(user);
  const [draft, setDraft] = useState<EditValues>(() => editValuesOf(user));
  /** The user as someone else saved them, after a 412. */
  const [theirs, setTheirs] = useState<UserJson | null>(null);
  const conflictId = useId();

  const path = `/api/v1/users/${encodeURIComponent(user.id)}`;
  const changes = changesOf(start, draft);
  const changed = Object.keys(changes).length > 0;

  function show(current: UserJson) {
    queryClient.setQueryData<UserOverviewJson>(userOverviewKey(current.id), (old) => old && { ...old, user: current });
    // The overview's audit entries grew, and any users list shows the old row (both are under USERS_KEY).
    void queryClient.invalidateQueries({ queryKey: USERS_KEY });
    if (isViewer) router.refresh();
  }

  const save = useFormMutation({
    fields: EDIT_FIELDS,
    // A 412 is no failure here: it ends with their version read, to be shown beside the person's.
    mutationFn: async ({ body, version }: { body: PatchUserBody; version: number; kind: "save" | "overwrite" }) => {
      try {
        const saved = await api(path, userResponse, { method: "PATCH", body, headers: { "if-match": `"${version}"` } });
        return { conflict: false, user: saved };
      } catch (error) {
        if (error instanceof ApiError && error.status === 412) return { conflict: true, user: await api(path, userResponse) };
        throw error;
      }
    },
    onSuccess: ({ conflict, user: current }) => {
      if (conflict) {
        setTheirs(current);
        return;
      }
      toast.success(`${current.name} was saved`);
      show(current);
      onClose();
    },
  });
  const { errors } = save;
  const pending = save.pending ? save.mutation.variables?.kind : null;

  function send(version: number, kind: "save" | "overwrite") {
    const checked = checkForm(patchUserBody, changes, EDIT_FIELDS);
    save.submit(checked.ok ? { ok: true, data: { body: checked.data, version, kind } } : checked);
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    send(start.version, "save");
  }

  /** Discards the person's edits: the form starts again from the user as someone else saved them. */
  function reload(current: UserJson) {
    setStart(current);
    setDraft(editValuesOf(current));
    setTheirs(null);
    save.reset();
    show(current);
  }

  const statusOptions: SelectOption<EditValues["status"]>[] =
    start.status === "INVITED"
      ? [
          { value: "INVITED", label: "Invited", disabled: true },
          { value: "ACTIVE", label: "Active", disabled: true },
          { value: "DISABLED", label: "Disabled" },
        ]
      : [
          { value: "ACTIVE", label: "Active" },
          { value: "DISABLED", label: "Disabled" },
        ];

  return (
    <form onSubmit={submit} noValidate aria-label={`Edit ${user.name}`}>
      <Flex direction="column" gap="4">
        <Flex direction="column" gap="3" maxWidth="420px">
          <FormField label="Email" value={user.email} readOnly disabled hint="The email cannot be changed." />
          <FormField
            label="Name"
            autoComplete="off"
            required
            value={draft.name}
            onChange={(event) => setDraft((current) => ({ ...current, name: event.target.value }))}
            error={errors.name}
          />
          {mayAssignRole ? (
            <SelectField
              label="Role"
              value={draft.role}
              options={ROLE_OPTIONS}
              onValueChange={(role) => setDraft((current) => ({ ...current, role }))}
              error={errors.role}
            />
          ) : (
            <Text size="2">
              Role: {ROLE_OPTIONS.find((option) => option.value === draft.role)?.label}{" "}
              <Text color="gray">(only an admin changes roles)</Text>
            </Text>
          )}
          <SelectField
            label="Status"
            value={draft.status}
            options={statusOptions}
            onValueChange={(status) => setDraft((current) => ({ ...current, status }))}
            hint={start.status === "INVITED" ? "An invited user becomes active by accepting their invitation." : undefined}
            error={errors.status}
          />
        </Flex>

        {save.formErrors.map((message) => (
          <Text key={message} size="2" color="red" role="alert">
            {message}
          </Text>
        ))}
        {save.failure && <LoadError error={save.failure} what="The changes" verb="saved" />}

        {theirs && (
          <Callout.Root color="amber" asChild>
            <section aria-labelledby={conflictId}>
              <Callout.Icon>
                <ExclamationTriangleIcon />
              </Callout.Icon>
              <Flex direction="column" gap="3">
                <Heading as="h2" size="3" id={conflictId} role="alert">
                  Someone changed this user while you were editing
                </Heading>
                <Table.Root size="1" variant="surface">
                  <ColumnHeaders columns={["Field", "You started from", "Their value", "Your value"]} />
                  <Table.Body>
                    {conflictRows(editValuesOf(start), editValuesOf(theirs), draft).map((row) => (
                      <Table.Row key={row.field}>
                        <Table.RowHeaderCell>{FIELD_LABEL[row.field]}</Table.RowHeaderCell>
                        <Table.Cell>{shown(row.field, row.start)}</Table.Cell>
                        <Table.Cell>
                          <Text weight={row.theirs !== row.start ? "bold" : undefined}>{shown(row.field, row.theirs)}</Text>
                        </Table.Cell>
                        <Table.Cell>
                          <Text weight={row.mine !== row.start ? "bold" : undefined} color={row.clash ? "red" : undefined}>
                            {shown(row.field, row.mine)}
                          </Text>
                        </Table.Cell>
                      </Table.Row>
                    ))}
                  </Table.Body>
                </Table.Root>
                <Text size="2">
                  Reload discards your edits and shows theirs. Overwrite saves your changes
                  {changed
                    ? ` (${EDIT_FIELDS.filter((field) => field in changes)
                        .map((field) => FIELD_LABEL[field].toLowerCase())
                        .join(", ")})`
                    : ""} over theirs; the fields
                  you did not change keep their values.
                </Text>
                <Flex gap="3" justify="end">
                  <Button type="button" variant="soft" color="gray" onClick={() => reload(theirs)}>
                    Reload
                  </Button>
                  <Button
                    type="button"
                    color="amber"
                    disabled={!changed}
                    loading={pending === "overwrite"}
                    onClick={() => send(theirs.version, "overwrite")}
                  >
                    Overwrite
                  </Button>
                </Flex>
              </Flex>
            </section>
          </Callout.Root>
        )}

        <Flex gap="3" justify="end">
          <Button type="button" variant="soft" color="gray" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={pending === "save"} disabled={!changed || theirs !== null}>
            Save
          </Button>
        </Flex>
      </Flex>
    </form>
  );
}

/** A value as the form's selects show it ("Disabled", not DISABLED); names as they are. */
function shown(field: EditField, value: string): string {
  return field === "name" ? value : value.charAt(0) + value.slice(1).toLowerCase();
}
