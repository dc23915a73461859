"use client";

import { CheckCircledIcon, InfoCircledIcon } from "@radix-ui/react-icons";
import { Button, Callout, Flex, Link as RadixLink } from "@radix-ui/themes";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { toast } from "sonner";

import { describeError, send } from "@/components/data/api";
import { ErrorCallout } from "@/components/ui/error-callout";
import { checkFields, type FieldErrors } from "@/components/ui/form-errors";
import { FormField } from "@/components/ui/form-field";
import { useFormMutation } from "@/components/ui/use-form-mutation";
import { PASSWORD_MIN_LENGTH, validateNewPassword } from "./password-rules";
import type { ChangePasswordBody } from "@/lib/api-contract/session";

const FIELDS = ["currentPassword", "newPassword", "confirm"] as const;
type Field = (typeof FIELDS)[number];

/**
 * PUT /api/v1/session/password. `mustChange`: the person signed in with a one-time password, and this form is
 * all they can use until it succeeds; after it, the page is refreshed so the other sections appear.
 */
export function ChangePasswordForm({ mustChange }: { mustChange: boolean }) {
  const router = useRouter();
  const [values, setValues] = useState<Record<Field, string>>({ currentPassword: "", newPassword: "", confirm: "" });
  const change = useFormMutation({
    fields: FIELDS,
    mutationFn: (body: ChangePasswordBody) => send("/api/v1/session/password", { method: "PUT", body }),
    onSuccess: () => {
      setValues({ currentPassword: "", newPassword: "", confirm: "" });
      toast.success("Password changed");
      if (mustChange) router.replace("/settings");
      router.refresh();
    },
  });
  const changed = change.mutation.isSuccess;
  const general = change.failure && describeError(change.failure);

  const bind = (field: Field) => ({
    value: values[field],
    onChange: (event: { target: { value: string } }) => setValues((v) => ({ ...v, [field]: event.target.value })),
    error: change.errors[field],
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    const rules = validateNewPassword(values.newPassword, values.confirm);
    const found: FieldErrors<Field> = {
      currentPassword: values.currentPassword === "" ? "Enter your current password" : undefined,
      newPassword: rules.password,
      confirm: rules.confirm,
    };
    change.submit(checkFields(found, { currentPassword: values.currentPassword, newPassword: values.newPassword }));
  }

  return (
    <form onSubmit={submit} noValidate>
      <Flex direction="column" gap="3" maxWidth="24rem">
        {mustChange && !changed && (
          <Callout.Root color="amber">
            <Callout.Icon>
              <InfoCircledIcon />
            </Callout.Icon>
            <Callout.Text>
              You signed in with a one-time password. Choose a new password before you continue: nothing else opens
              until you do.
            </Callout.Text>
          </Callout.Root>
        )}
        {changed && (
          <Callout.Root color="green" role="status">
            <Callout.Icon>
              <CheckCircledIcon />
            </Callout.Icon>
            <Callout.Text>
              Your password was changed. Your other sessions have ended.{" "}
              <RadixLink asChild>
                <Link href="/users">Continue</Link>
              </RadixLink>
            </Callout.Text>
          </Callout.Root>
        )}
        {general && (
          <ErrorCallout>{general.detail ? `${general.title}: ${general.detail}` : general.title}</ErrorCallout>
        )}
        <FormField label="Current password" type="password" autoComplete="current-password" required {...bind("currentPassword")} />
        <FormField
          label="New password"
          type="password"
          autoComplete="new-password"
          required
          minLength={PASSWORD_MIN_LENGTH}
          hint={`At least ${PASSWORD_MIN_LENGTH} characters.`}
          {...bind("newPassword")}
        />
        <FormField label="Confirm new password" type="password" autoComplete="new-password" required {...bind("confirm")} />
        <Flex mt="2">
          <Button type="submit" loading={change.pending}>
            Change password
          </Button>
        </Flex>
      </Flex>
    </form>
  );
}
