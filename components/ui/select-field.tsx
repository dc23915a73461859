"use client";

import { Flex, Text } from "@radix-ui/themes";
import { useId } from "react";

import { describedBy, FieldNotes } from "./form-field";
import { Select, type SelectOption } from "./select";

export type { SelectOption } from "./select";

/**
 * A labelled select with its hint and its error underneath, tied to it as {@link import("./form-field").FormField}
 * ties a text input. Typed by its options: `onValueChange` receives one of their values, never any other string.
 */
export function SelectField<V extends string>({
  label,
  value,
  options,
  onValueChange,
  hint,
  error,
}: {
  label: string;
  value: V;
  options: readonly SelectOption<V>[];
  onValueChange: (value: V) => void;
  hint?: string;
  error?: string | undefined;
}) {
  const id = useId();
  return (
    <Flex direction="column" gap="1">
      <Text as="label" id={`${id}-label`} htmlFor={`${id}-select`} size="2" weight="medium">
        {label}
      </Text>
      <Select
        id={`${id}-select`}
        value={value}
        options={options}
        onValueChange={onValueChange}
        aria-labelledby={`${id}-label`}
        aria-describedby={describedBy(id, hint, error)}
        aria-invalid={error ? true : undefined}
      />
      <FieldNotes id={id} hint={hint} error={error} />
    </Flex>
  );
}

export const ROLE_OPTIONS = [
  { value: "VIEWER", label: "Viewer" },
  { value: "EDITOR", label: "Editor" },
  { value: "ADMIN", label: "Admin" },
] as const satisfies readonly SelectOption<"ADMIN" | "EDITOR" | "VIEWER">[];
