"use client";

import { CheckCircledIcon, ExclamationTriangleIcon, InfoCircledIcon } from "@radix-ui/react-icons";
import { Button, Callout, Flex, Link as RadixLink } from "@radix-ui/themes";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { toast } from "sonner";

import { ApiError, describeError, send } from "@/components/data/api";
import { FormField } from "@/components/ui/form-field";
import { PASSWORD_MIN_LENGTH, validateNewPassword } from "./password-rules";

type Field = "currentPassword" | "newPassword" | "confirm";

/**
 * PUT /api/v1/session/password. `mustChange`: the person signed in with a one-time password, and this form is
 * all they can use until it succeeds; after it, the page is refreshed so the other sections appear.
 */
export function ChangePasswordForm({ mustChange }: { mustChange: boolean }) {
  const router = useRouter();
  const [values, setValues] = useState<Record<Field, string>>({ currentPassword: "", newPassword: "", confirm: "" });
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [changed, setChanged] = useState(false);

  const bind = (field: Field) => ({
    value: values[field],
    onChange: (event: { target: { value: string } }) => setValues((v) => ({ ...v, [field]: event.target.value })),
    error: errors[field],
  });

  async function submit(event: FormEvent) {
    event.preventDefault();
    setGeneral(null);
    setChanged(false);
    const rules = validateNewPassword(values.newPassword, values.confirm);
    const found: Partial<Record<Field, string>> = {
      ...(values.currentPassword === "" ? { currentPassword: "Enter your current password" } : {}),
      ...(rules.password ? { newPassword: rules.password } : {}),
      ...(rules.confirm ? { confirm: rules.confirm } : {}),
    };
    setErrors(found);
    if (Object.keys(found).length > 0) return;

    setPending(true);
    try {
      await send("/api/v1/session/password", {
        method: "PUT",
        body: { currentPassword: values.currentPassword, newPassword: values.newPassword },
      });
      setValues({ currentPassword: "", newPassword: "", confirm: "" });
      setChanged(true);
      toast.success("Password changed");
      if (mustChange) router.replace("/settings");
      router.refresh();
    } catch (caught) {
      if (caught instanceof ApiError && caught.code === "WRONG_PASSWORD") {
        setErrors({ currentPassword: caught.detail ?? "This is not your current password" });
      } else if (caught instanceof ApiError && (caught.fieldError("currentPassword") || caught.fieldError("newPassword"))) {
        setErrors({ currentPassword: caught.fieldError("currentPassword"), newPassword: caught.fieldError("newPassword") });
      } else {
        const { title, detail } = describeError(caught);
        setGeneral(detail ? `${title}: ${detail}` : title);
      }
    } finally {
      setPending(false);
    }
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
          <Callout.Root color="red" role="alert">
            <Callout.Icon>
              <ExclamationTriangleIcon />
            </Callout.Icon>
            <Callout.Text>{general}</Callout.Text>
          </Callout.Root>
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
          <Button type="submit" loading={pending}>
            Change password
          </Button>
        </Flex>
      </Flex>
    </form>
  );
}
