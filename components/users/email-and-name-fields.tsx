"use client";

import { FormField } from "@/components/ui/form-field";
import type { FieldErrors } from "@/components/ui/form-errors";

/**
 * Who someone new is, as Create user and Invite user both ask it: their email and name, each with its error (the
 * form's own check's, else the API's, such as USER_EMAIL_TAKEN). Not autofilled: they are someone else's.
 */
export function EmailAndNameFields({
  email,
  name,
  onEmailChange,
  onNameChange,
  errors,
}: {
  email: string;
  name: string;
  onEmailChange: (email: string) => void;
  onNameChange: (name: string) => void;
  errors: FieldErrors<"email" | "name">;
}) {
  return (
    <>
      <FormField
        label="Email"
        type="email"
        autoComplete="off"
        required
        value={email}
        onChange={(event) => onEmailChange(event.target.value)}
        error={errors.email}
      />
      <FormField
        label="Name"
        autoComplete="off"
        required
        value={name}
        onChange={(event) => onNameChange(event.target.value)}
        error={errors.name}
      />
    </>
  );
}
