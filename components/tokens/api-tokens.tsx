"use client";

import { PlusIcon } from "@radix-ui/react-icons";
import {
  Badge,
  Button,
  Code,
  Flex,
  Table,
  Text,
  VisuallyHidden,
} from "@radix-ui/themes";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { toast } from "sonner";

import { api, describeError, send } from "@/components/data/api";
import { TOKENS_KEY } from "@/components/data/query-keys";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { DialogForm, FormDialog } from "@/components/ui/form-dialog";
import { FormField } from "@/components/ui/form-field";
import { capitalize, formatDate, formatDateTime } from "@/components/ui/format";
import { LoadError } from "@/components/ui/load-error";
import { QueryTable } from "@/components/ui/query-table";
import { ROLE_OPTIONS, SelectField } from "@/components/ui/select-field";
import { ShownOnce } from "@/components/ui/shown-once";
import { useFormMutation } from "@/components/ui/use-form-mutation";
import { apiTokenListResponse, createdApiTokenResponse, type ApiTokenJson, type CreateTokenBody } from "@/lib/api-contract/tokens";
import type { Role } from "@/lib/domain/user";

const TOKENS = TOKENS_KEY;
/** The create form's inputs, under which the API's field errors are said. */
const FIELDS = ["name", "role", "expiresAt"] as const;

/** The API tokens page's body: the list (GET /api/v1/tokens), creating and revoking. */
export function ApiTokens() {
  const tokens = useQuery({ queryKey: TOKENS, queryFn: ({ signal }) => api("/api/v1/tokens", apiTokenListResponse, { signal }) });
  return (
    <Flex direction="column" gap="3">
      <Flex justify="end">
        <CreateTokenDialog />
      </Flex>
      <QueryTable
        query={tokens}
        what="The tokens"
        empty="No tokens yet."
        columns={["Name", "Role", "Owner", "Starts with", "Created", "Expires", "Last used", "Status"]}
        actions
      >
        {(token) => {
          const status = statusOf(token);
          return (
            <Table.Row key={token.id} align="center">
              <Table.Cell>{token.name}</Table.Cell>
              <Table.Cell>{capitalize(token.role)}</Table.Cell>
              <Table.Cell>
                {token.owner ? (
                  <Link href={`/users/${encodeURIComponent(token.owner.id)}`} prefetch={false}>
                    {token.owner.email}
                  </Link>
                ) : (
                  // Deleted since, or a token from before owners whose creator was not found (revoked).
                  <Text color="gray">{token.createdBy} (gone)</Text>
                )}
              </Table.Cell>
              <Table.Cell>
                <Code variant="ghost">{token.prefix}…</Code>
              </Table.Cell>
              <Table.Cell>
                <time dateTime={token.createdAt}>{formatDate(token.createdAt)}</time>
              </Table.Cell>
              <Table.Cell>
                <time dateTime={token.expiresAt}>{formatDateTime(token.expiresAt)}</time>
              </Table.Cell>
              <Table.Cell>
                {token.lastUsedAt ? <time dateTime={token.lastUsedAt}>{formatDateTime(token.lastUsedAt)}</time> : "Never"}
              </Table.Cell>
              <Table.Cell>
                <Badge variant="soft" color={status === "Active" ? "green" : status === "Revoked" ? "red" : "gray"}>
                  {status}
                </Badge>
              </Table.Cell>
              <Table.Cell justify="end">{status === "Active" && <RevokeToken token={token} />}</Table.Cell>
            </Table.Row>
          );
        }}
      </QueryTable>
    </Flex>
  );
}

function statusOf(token: ApiTokenJson): "Active" | "Revoked" | "Expired" {
  if (token.revokedAt) return "Revoked";
  if (Date.parse(token.expiresAt) <= Date.now()) return "Expired";
  return "Active";
}

function RevokeToken({ token }: { token: ApiTokenJson }) {
  const queryClient = useQueryClient();
  const revoke = useMutation({
    mutationFn: () => send(`/api/v1/tokens/${encodeURIComponent(token.id)}`, { method: "DELETE" }),
    onSuccess: () => toast.success(`Token ${token.name} was revoked`),
    onError: (error) => {
      const { title, detail } = describeError(error);
      toast.error(title, { description: detail });
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: TOKENS }),
  });
  return (
    <ConfirmDialog
      trigger={
        <Button size="1" variant="soft" color="red" loading={revoke.isPending}>
          Revoke<VisuallyHidden> {token.name}</VisuallyHidden>
        </Button>
      }
      title={`Revoke token ${token.name}?`}
      description="Services using it are refused from their next request. This cannot be undone."
      confirmLabel="Revoke token"
      destructive
      onConfirm={() => revoke.mutate()}
    />
  );
}


function CreateTokenDialog() {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("VIEWER");
  const [expires, setExpires] = useState("");

  const create = useFormMutation({
    fields: FIELDS,
    mutationFn: (body: CreateTokenBody) => api("/api/v1/tokens", createdApiTokenResponse, { method: "POST", body }),
    onSuccess: (created) => {
      toast.success(`Token ${created.token.name} was created`);
      void queryClient.invalidateQueries({ queryKey: TOKENS });
    },
  });
  const secret = create.mutation.data?.secret ?? null;

  function reset() {
    setName("");
    setRole("VIEWER");
    setExpires("");
    create.reset();
  }

  function submit() {
    // A date picks the end of that day, in the creator's time zone.
    create.send({ name, role, expiresAt: expires ? new Date(`${expires}T23:59:59`).toISOString() : null });
  }

  return (
    <FormDialog
      trigger={
        <Button>
          <PlusIcon aria-hidden />
          Create token
        </Button>
      }
      title="Create token"
      open={open}
      onOpenChange={setOpen}
      onDismiss={reset}
    >
      {secret ? (
        <ShownOnce label="Token secret" value={secret} hint="Only a hash of it is stored; a lost secret means a new token.">
          The token is ready. Copy its secret now: it will not be shown again.
        </ShownOnce>
      ) : (
        <DialogForm description="The token acts with the role you give it." onSubmit={submit} submitLabel="Create token" pending={create.pending}>
          <FormField
            label="Name"
            required
            autoComplete="off"
            placeholder="e.g. billing-sync"
            value={name}
            onChange={(event) => setName(event.target.value)}
            error={create.errors.name}
          />
          <SelectField label="Role" value={role} options={ROLE_OPTIONS} onValueChange={setRole} error={create.errors.role} />
          <FormField
            label="Expires (optional)"
            type="date"
            hint="At the end of that day. Leave empty for the longest a token may live (90 days unless the server says otherwise). It is revoked if you stop being an ADMIN."
            value={expires}
            onChange={(event) => setExpires(event.target.value)}
            error={create.errors.expiresAt}
          />
          {create.failure && <LoadError error={create.failure} what={null} />}
        </DialogForm>
      )}
    </FormDialog>
  );
}
