"use client";

import { Flex, Select, Text } from "@radix-ui/themes";
import { useId } from "react";

import { describedBy, FieldNotes } from "./form-field";

export interface SelectOption<V extends string> {
  value: V;
  label: string;
  disabled?: boolean;
}

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
      <Text as="label" id={`${id}-label`} size="2" weight="medium">
        {label}
      </Text>
      <Select.Root
        value={value}
        onValueChange={(raw) => {
          const option = options.find((candidate) => candidate.value === raw);
          if (option) onValueChange(option.value);
        }}
      >
        <Select.Trigger aria-labelledby={`${id}-label`} aria-describedby={describedBy(id, hint, error)} aria-invalid={error ? true : undefined}>
          {options.find((option) => option.value === value)?.label}
        </Select.Trigger>
        <Select.Content>
          {options.map((option) => (
            <Select.Item key={option.value} value={option.value} disabled={option.disabled}>
              {option.label}
            </Select.Item>
          ))}
        </Select.Content>
      </Select.Root>
      <FieldNotes id={id} hint={hint} error={error} />
    </Flex>
  );
}

export const ROLE_OPTIONS = [
  { value: "VIEWER", label: "Viewer" },
  { value: "EDITOR", label: "Editor" },
  { value: "ADMIN", label: "Admin" },
] as const satisfies readonly SelectOption<"ADMIN" | "EDITOR" | "VIEWER">[];
