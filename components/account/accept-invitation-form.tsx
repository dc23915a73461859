"use client";

import { CheckCircledIcon, ExclamationTriangleIcon } from "@radix-ui/react-icons";
import { Button, Callout, Flex, Link as RadixLink, Text } from "@radix-ui/themes";
import Link from "next/link";
import { useState, type FormEvent } from "react";

import { ApiError, api, describeError } from "@/components/data/api";
import { FormField } from "@/components/ui/form-field";
import { PASSWORD_MIN_LENGTH, validateNewPassword } from "./password-rules";
import { acceptedInvitationResponse } from "@/lib/api-contract/invitations";

/** Sets the invited person's password (POST /api/v1/invitations/accept); they then sign in as usual. */
export function AcceptInvitationForm({ token }: { token: string }) {
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [pending, setPending] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<{ password?: string; confirm?: string }>({});
  const [error, setError] = useState<string | null>(null);
  const [acceptedEmail, setAcceptedEmail] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const problems = validateNewPassword(password, confirm);
    setFieldErrors(problems);
    if (problems.password || problems.confirm) return;
    setPending(true);
    try {
      const { email } = await api("/api/v1/invitations/accept", acceptedInvitationResponse, {
        method: "POST",
        body: { token, password },
      });
      setAcceptedEmail(email);
    } catch (caught) {
      if (caught instanceof ApiError && (caught.status === 410 || caught.status === 404)) {
        setError("This invitation has expired or was already used; ask an administrator for a new one");
      } else if (caught instanceof ApiError && caught.fieldError("password")) {
        setFieldErrors({ password: caught.fieldError("password") });
      } else {
        setError(describeError(caught).title);
      }
    } finally {
      setPending(false);
    }
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
          <Callout.Root color="red" role="alert">
            <Callout.Icon>
              <ExclamationTriangleIcon />
            </Callout.Icon>
            <Callout.Text>{error}</Callout.Text>
          </Callout.Root>
        )}
        <FormField
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          minLength={PASSWORD_MIN_LENGTH}
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          error={fieldErrors.password}
        />
        <FormField
          label="Confirm password"
          type="password"
          autoComplete="new-password"
          required
          value={confirm}
          onChange={(event) => setConfirm(event.target.value)}
          error={fieldErrors.confirm}
        />
        <Button type="submit" size="3" mt="2" loading={pending}>
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
