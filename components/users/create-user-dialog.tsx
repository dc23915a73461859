"use client";

import { PlusIcon } from "@radix-ui/react-icons";
import { Button, Text } from "@radix-ui/themes";
import { useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useRef, useState } from "react";
import { toast } from "sonner";

import { api } from "@/components/data/api";
import { USERS_KEY } from "@/components/data/query-keys";
import { DialogForm, FormDialog } from "@/components/ui/form-dialog";
import { checkForm } from "@/components/ui/form-errors";
import { LoadError } from "@/components/ui/load-error";
import { ROLE_OPTIONS, SelectField } from "@/components/ui/select-field";
import { useFormMutation } from "@/components/ui/use-form-mutation";
import { EmailAndNameFields } from "./email-and-name-fields";
import { createUserBody, userResponse, type CreateUserBody } from "@/lib/api-contract/users";
import type { Role } from "@/lib/domain/user";

const FIELDS = ["email", "name", "role", "status"] as const;
type Status = "ACTIVE" | "DISABLED";

const STATUS_OPTIONS = [
  { value: "ACTIVE", label: "Active" },
  { value: "DISABLED", label: "Disabled" },
] as const;

/**
 * Creates a user (POST /api/v1/users; users:write): a directory entry without a password, whom an admin can then
 * invite to set one. Only an admin picks the role (users:assign-role); anyone else creates viewers, as the API
 * requires. The body is checked with the API's own schema before it is sent.
 *
 * Each submission carries an Idempotency-Key, kept while the body stays the same: submitting again after a
 * failure whose outcome is unknown (a timeout, a dropped connection) replays the first answer instead of
 * creating the user twice (docs/api.md, "Deadlines"). A changed body is a new submission with a new key (the same
 * key with another body would be refused: IDEMPOTENCY_KEY_REUSED).
 */
export function CreateUserDialog({ mayAssignRole }: { mayAssignRole: boolean }) {
  const router = useRouter();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("VIEWER");
  const [status, setStatus] = useState<Status>("ACTIVE");
  const submission = useRef<{ body: string; key: string } | null>(null);
  const create = useFormMutation({
    fields: FIELDS,
    mutationFn: (body: CreateUserBody) => {
      const sent = JSON.stringify(body);
      if (submission.current?.body !== sent) submission.current = { body: sent, key: newIdempotencyKey() };
      return api("/api/v1/users", userResponse, { method: "POST", body, headers: { "idempotency-key": submission.current.key } });
    },
    onSuccess: (created) => {
      toast.success(`${created.email} was created`, {
        action: { label: "Open", onClick: () => router.push(`/users/${encodeURIComponent(created.id)}`) },
      });
      void queryClient.invalidateQueries({ queryKey: USERS_KEY });
      setOpen(false);
      reset();
    },
  });
  const { errors } = create;

  function reset() {
    setEmail("");
    setName("");
    setRole("VIEWER");
    setStatus("ACTIVE");
    create.reset();
    submission.current = null;
  }

  function submit() {
    create.submit(checkForm(createUserBody, { email, name, role, status }, FIELDS));
  }

  return (
    <FormDialog
      trigger={
        <Button variant="soft">
          <PlusIcon aria-hidden />
          Create user
        </Button>
      }
      title="Create user"
      open={open}
      onOpenChange={setOpen}
      onDismiss={reset}
    >
      <DialogForm
        description="They get no password: invite them afterwards to let them sign in."
        onSubmit={submit}
        submitLabel="Create"
        pending={create.pending}
      >
        <EmailAndNameFields email={email} name={name} onEmailChange={setEmail} onNameChange={setName} errors={errors} />
        {mayAssignRole ? (
          <SelectField label="Role" value={role} options={ROLE_OPTIONS} onValueChange={setRole} error={errors.role} />
        ) : (
          <Text size="2" color="gray">
            They will be a viewer: only an admin creates editors and admins.
          </Text>
        )}
        <SelectField label="Status" value={status} options={STATUS_OPTIONS} onValueChange={setStatus} error={errors.status} />
        {create.failure && <LoadError error={create.failure} what="The user" verb="created" />}
      </DialogForm>
    </FormDialog>
  );
}

/**
 * A random key: crypto.randomUUID exists only in secure contexts (https, localhost), and the console may be opened
 * over plain http on another host; getRandomValues works everywhere.
 */
function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, "0")).join("");
}
