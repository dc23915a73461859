"use client";

import { ExclamationTriangleIcon, PlusIcon } from "@radix-ui/react-icons";
import { Button, Callout, Dialog, Flex, Select, Text } from "@radix-ui/themes";
import { useRouter } from "next/navigation";
import { useId, useState, type FormEvent } from "react";
import { toast } from "sonner";

import { ApiError, api, describeError } from "./api";
import { invitationResponse } from "./api-types";
import { CopyField } from "./copy-field";
import { FormField } from "./form-field";
import { parseRole } from "./user-row-actions";
import type { Role } from "@/lib/domain/user";

const FIELDS = ["email", "name", "role"] as const;
type Sent = { invitationUrl: string; email: string; expiresAt: string };

/**
 * Invite someone (invitations:create): they appear as INVITED, and the link that lets them set a password is
 * shown here, once, for the inviter to pass on. Inviting an INVITED person again replaces their link.
 */
export function InviteUserDialog() {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("VIEWER");
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | { title: string; detail?: string } | null>(null);
  const [sent, setSent] = useState<Sent | null>(null);
  const roleLabelId = useId();

  function reset() {
    setEmail("");
    setName("");
    setRole("VIEWER");
    setError(null);
    setSent(null);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      const result = await api("/api/v1/invitations", invitationResponse, { method: "POST", body: { email, name, role } });
      setSent({ invitationUrl: result.invitationUrl, email: result.user.email, expiresAt: result.expiresAt });
      toast.success(`${result.user.email} was invited`);
      router.refresh();
    } catch (caught) {
      setError(caught instanceof ApiError ? caught : describeError(caught));
    } finally {
      setPending(false);
    }
  }

  const fieldError = (field: string) => {
    if (!(error instanceof ApiError)) return undefined;
    if (field === "email" && error.code === "USER_EMAIL_TAKEN") return error.detail ?? error.title;
    return error.fieldError(field);
  };
  // A problem not tied to a field is shown above the buttons.
  const shownAtField =
    error instanceof ApiError &&
    (error.code === "USER_EMAIL_TAKEN" || error.errors.some((e) => FIELDS.some((field) => field === e.path[0])));
  const general = error && !shownAtField ? error : null;

  return (
    <Dialog.Root
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) reset();
      }}
    >
      <Dialog.Trigger>
        <Button>
          <PlusIcon aria-hidden />
          Invite user
        </Button>
      </Dialog.Trigger>
      <Dialog.Content maxWidth="480px">
        <Dialog.Title>Invite user</Dialog.Title>
        {sent ? (
          <Flex direction="column" gap="4">
            <Dialog.Description size="2">
              {sent.email} is invited. Send them this link: it works once, until{" "}
              {new Date(sent.expiresAt).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })}.
            </Dialog.Description>
            <CopyField label="Invitation link" value={sent.invitationUrl} hint="This link is shown only now." />
            <Flex justify="end">
              <Dialog.Close>
                <Button>Done</Button>
              </Dialog.Close>
            </Flex>
          </Flex>
        ) : (
          <form onSubmit={submit} noValidate>
            <Dialog.Description size="2" mb="4">
              They get a link to choose a password; you pass it on to them.
            </Dialog.Description>
            <Flex direction="column" gap="3">
              <FormField
                label="Email"
                type="email"
                autoComplete="off"
                required
                value={email}
                onChange={(event) => setEmail(event.target.value)}
                error={fieldError("email")}
              />
              <FormField
                label="Name"
                autoComplete="off"
                required
                value={name}
                onChange={(event) => setName(event.target.value)}
                error={fieldError("name")}
              />
              <Flex direction="column" gap="1">
                <Text as="label" id={roleLabelId} size="2" weight="medium">
                  Role
                </Text>
                <Select.Root value={role} onValueChange={(value) => setRole(parseRole(value))}>
                  <Select.Trigger aria-labelledby={roleLabelId} />
                  <Select.Content>
                    <Select.Item value="VIEWER">Viewer</Select.Item>
                    <Select.Item value="EDITOR">Editor</Select.Item>
                    <Select.Item value="ADMIN">Admin</Select.Item>
                  </Select.Content>
                </Select.Root>
                {fieldError("role") && (
                  <Text size="1" color="red" role="alert">
                    {fieldError("role")}
                  </Text>
                )}
              </Flex>
              {general && (
                <Callout.Root color="red" role="alert">
                  <Callout.Icon>
                    <ExclamationTriangleIcon />
                  </Callout.Icon>
                  <Callout.Text>
                    {general.title}
                    {general.detail ? `: ${general.detail}` : ""}
                  </Callout.Text>
                </Callout.Root>
              )}
            </Flex>
            <Flex gap="3" mt="5" justify="end">
              <Dialog.Close>
                <Button type="button" variant="soft" color="gray">
                  Cancel
                </Button>
              </Dialog.Close>
              <Button type="submit" loading={pending}>
                Invite
              </Button>
            </Flex>
          </form>
        )}
      </Dialog.Content>
    </Dialog.Root>
  );
}
