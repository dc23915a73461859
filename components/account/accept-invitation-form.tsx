"use client";

import { CheckCircledIcon } from "@radix-ui/react-icons";
import { Button, Callout, Flex, Link as RadixLink, Text } from "@radix-ui/themes";
import Link from "next/link";
import { useState, type FormEvent } from "react";

import { ApiError, api, describeError } from "@/components/data/api";
import { ErrorCallout } from "@/components/ui/error-callout";
import { checkFields } from "@/components/ui/form-errors";
import { FormField } from "@/components/ui/form-field";
import { useFormMutation } from "@/components/ui/use-form-mutation";
import { PASSWORD_MIN_LENGTH, validateNewPassword } from "./password-rules";
import { acceptedInvitationResponse, type AcceptInvitationBody } from "@/lib/api-contract/invitations";

const FIELDS = ["password", "confirm"] as const;

/** Sets the invited person's password (POST /api/v1/invitations/accept); they then sign in as usual. */
export function AcceptInvitationForm({ token }: { token: string }) {
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const accept = useFormMutation({
    fields: FIELDS,
    mutationFn: (body: AcceptInvitationBody) => api("/api/v1/invitations/accept", acceptedInvitationResponse, { method: "POST", body }),
  });
  const acceptedEmail = accept.mutation.data?.email ?? null;
  const error = accept.failure && messageFor(accept.failure);

  function submit(event: FormEvent) {
    event.preventDefault();
    accept.submit(checkFields(validateNewPassword(password, confirm), { token, password }));
  }

  if (acceptedEmail !== null) {
    return (
      <Flex direction="column" gap="4">
        <Callout.Root color="green" role="status">
          <Callout.Icon>
            <CheckCircledIcon />
          </Callout.Icon>
          <Callout.Text>Your password is set. You can now sign in as {acceptedEmail}.</Callout.Text>
        </Callout.Root>
        <Button asChild size="3">
          <Link href={`/sign-in?${new URLSearchParams({ email: acceptedEmail })}`}>Go to sign in</Link>
        </Button>
      </Flex>
    );
  }

  return (
    <form onSubmit={submit} noValidate>
      <Flex direction="column" gap="3">
        <Text as="p" size="2" color="gray">
          Choose a password of at least {PASSWORD_MIN_LENGTH} characters. A passphrase of a few words is easiest.
        </Text>
        {error && (
          <ErrorCallout>{error}</ErrorCallout>
        )}
        <FormField
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          minLength={PASSWORD_MIN_LENGTH}
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          error={accept.errors.password}
        />
        <FormField
          label="Confirm password"
          type="password"
          autoComplete="new-password"
          required
          value={confirm}
          onChange={(event) => setConfirm(event.target.value)}
          error={accept.errors.confirm}
        />
        <Button type="submit" size="3" mt="2" loading={accept.pending}>
          Set password
        </Button>
        <Text size="2" color="gray">
          Already set?{" "}
          <RadixLink asChild>
            <Link href="/sign-in">Sign in</Link>
          </RadixLink>
        </Text>
      </Flex>
    </form>
  );
}

function messageFor(error: unknown): string {
  if (error instanceof ApiError && (error.status === 410 || error.status === 404)) {
    return "This invitation has expired or was already used; ask an administrator for a new one";
  }
  return describeError(error).title;
}
