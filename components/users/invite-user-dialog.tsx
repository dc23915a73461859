"use client";

import { PlusIcon } from "@radix-ui/react-icons";
import { Button } from "@radix-ui/themes";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { toast } from "sonner";

import { api } from "@/components/data/api";
import { USERS_KEY } from "@/components/data/query-keys";
import { DialogForm, FormDialog } from "@/components/ui/form-dialog";
import { checkForm } from "@/components/ui/form-errors";
import { LoadError } from "@/components/ui/load-error";
import { ROLE_OPTIONS, SelectField } from "@/components/ui/select-field";
import { ShownOnce } from "@/components/ui/shown-once";
import { useFormMutation } from "@/components/ui/use-form-mutation";
import { EmailAndNameFields } from "./email-and-name-fields";
import { invitationResponse, inviteBody, type InviteBody } from "@/lib/api-contract/invitations";
import type { Role } from "@/lib/domain/user";

const FIELDS = ["email", "name", "role"] as const;

/**
 * Invite someone (invitations:create): they appear as INVITED, and the link that lets them set a password is
 * shown here, once, for the inviter to pass on. Inviting an INVITED person again replaces their link.
 */
export function InviteUserDialog() {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("VIEWER");
  const invite = useFormMutation({
    fields: FIELDS,
    mutationFn: (body: InviteBody) => api("/api/v1/invitations", invitationResponse, { method: "POST", body }),
    onSuccess: (result) => {
      toast.success(`${result.user.email} was invited`);
      // The table shows them as INVITED.
      void queryClient.invalidateQueries({ queryKey: USERS_KEY });
    },
  });
  const { errors } = invite;
  const sent = invite.mutation.data;

  function reset() {
    setEmail("");
    setName("");
    setRole("VIEWER");
    invite.reset();
  }

  function submit() {
    // The API's own schema, so a mistake is said under its field before anything is sent.
    invite.submit(checkForm(inviteBody, { email, name, role }, FIELDS));
  }

  return (
    <FormDialog
      trigger={
        <Button>
          <PlusIcon aria-hidden />
          Invite user
        </Button>
      }
      title="Invite user"
      open={open}
      onOpenChange={setOpen}
      onDismiss={reset}
    >
      {sent ? (
        <ShownOnce label="Invitation link" value={sent.invitationUrl} hint="This link is shown only now.">
          {sent.user.email} is invited. Send them this link: it works once, until{" "}
          {new Date(sent.expiresAt).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })}.
        </ShownOnce>
      ) : (
        <DialogForm
          description="They get a link to choose a password; you pass it on to them."
          onSubmit={submit}
          submitLabel="Invite"
          pending={invite.pending}
        >
          <EmailAndNameFields email={email} name={name} onEmailChange={setEmail} onNameChange={setName} errors={errors} />
          <SelectField label="Role" value={role} options={ROLE_OPTIONS} onValueChange={setRole} error={errors.role} />
          {/* A problem not tied to a field is shown above the buttons, with its trace id. */}
          {invite.failure && <LoadError error={invite.failure} what={null} />}
        </DialogForm>
      )}
    </FormDialog>
  );
}
