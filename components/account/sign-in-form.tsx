"use client";

import { Button, Flex } from "@radix-ui/themes";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";

import { ApiError, api, describeError } from "@/components/data/api";
import { ErrorCallout } from "@/components/ui/error-callout";
import { FormField } from "@/components/ui/form-field";
import { useFormMutation } from "@/components/ui/use-form-mutation";
import { principalResponse, type SignInBody } from "@/lib/api-contract/session";

/**
 * Posts email and password to POST /api/v1/session. On success the session cookie is set by the answer, and the
 * person goes to `next` (already checked to be a path on this site) or to Settings when the password is a
 * one-time one that must be changed first.
 */
export function SignInForm({ next, email: initialEmail }: { next: string | null; email: string }) {
  const router = useRouter();
  const [email, setEmail] = useState(initialEmail);
  const [password, setPassword] = useState("");
  const signIn = useFormMutation({
    mutationFn: (body: SignInBody) => api("/api/v1/session", principalResponse, { method: "POST", body }),
    onSuccess: (session) =>
      router.replace(session.kind === "user" && session.mustChangePassword ? "/settings?changePassword=1" : (next ?? "/users")),
  });
  const error = signIn.failure && messageFor(signIn.failure);

  function submit(event: FormEvent) {
    event.preventDefault();
    signIn.send({ email, password });
  }

  return (
    <form onSubmit={submit} aria-describedby={error ? "sign-in-error" : undefined}>
      <Flex direction="column" gap="3">
        {error && (
          <ErrorCallout id="sign-in-error">{error}</ErrorCallout>
        )}
        <FormField
          label="Email"
          type="email"
          name="email"
          autoComplete="username"
          required
          autoFocus={initialEmail === ""}
          value={email}
          onChange={(event) => setEmail(event.target.value)}
        />
        <FormField
          label="Password"
          type="password"
          name="password"
          autoComplete="current-password"
          required
          autoFocus={initialEmail !== ""}
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
        {/* Stays pending once signed in: the next page replaces this one. */}
        <Button type="submit" size="3" mt="2" loading={signIn.pending || signIn.mutation.isSuccess}>
          Sign in
        </Button>
      </Flex>
    </form>
  );
}

function messageFor(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 401) return "Email or password is incorrect";
    if (error.status === 429) {
      // Waits grow from 30 seconds (issue 18): say seconds while it is under a minute.
      const seconds = Math.max(1, error.retryAfterSeconds ?? 60);
      if (seconds < 60) return `Too many attempts; try again in ${seconds} ${seconds === 1 ? "second" : "seconds"}`;
      const minutes = Math.ceil(seconds / 60);
      return `Too many attempts; try again in ${minutes} ${minutes === 1 ? "minute" : "minutes"}`;
    }
    return error.title;
  }
  return describeError(error).title;
}
