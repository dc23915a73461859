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
  return (
    <Flex direction="column" gap="1">
      <Text as="label" htmlFor={id} size="2" weight="medium">
        {label}
      </Text>
      <TextField.Root id={id} aria-invalid={error ? true : undefined} aria-describedby={describedBy(id, hint, error)} {...input} />
      <FieldNotes id={id} hint={hint} error={error} />
    </Flex>
  );
}

/**
 * What a field's input is described by (aria-describedby): the ids of its hint and its error that
 * {@link FieldNotes} shows, hint first; none shown, no attribute.
 */
export function describedBy(id: string, hint: string | undefined, error: string | undefined): string | undefined {
  return [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;
}

/** A field's hint, then its error (said at once: role alert), under its input; the ids {@link describedBy} names. */
export function FieldNotes({ id, hint, error }: { id: string; hint?: string | undefined; error?: string | undefined }) {
  return (
    <>
      {hint && (
        <Text id={`${id}-hint`} size="1" color="gray">
          {hint}
        </Text>
      )}
      {error && (
        <Text id={`${id}-error`} size="1" color="red" role="alert">
          {error}
        </Text>
      )}
    </>
  );
}
