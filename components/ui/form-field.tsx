"use client";

import { Flex, Text, TextField } from "@radix-ui/themes";
import { useId, type ComponentProps } from "react";

type InputProps = Omit<ComponentProps<typeof TextField.Root>, "id" | "aria-invalid" | "aria-describedby">;

/**
 * A labelled text input with its hint and its error underneath, tied to it for assistive technology
 * (label htmlFor, aria-describedby, aria-invalid).
 */
export function FormField({
  label,
  hint,
  error,
  ...input
}: InputProps & { label: string; hint?: string; error?: string | undefined }) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(" ") || undefined;
  return (
    <Flex direction="column" gap="1">
      <Text as="label" htmlFor={id} size="2" weight="medium">
        {label}
      </Text>
      <TextField.Root id={id} aria-invalid={error ? true : undefined} aria-describedby={describedBy} {...input} />
      {hint && (
        <Text id={hintId} size="1" color="gray">
          {hint}
        </Text>
      )}
      {error && (
        <Text id={errorId} size="1" color="red" role="alert">
          {error}
        </Text>
      )}
    </Flex>
  );
}
