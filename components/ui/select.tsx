"use client";

import { ChevronDownIcon } from "@radix-ui/react-icons";
import type { SelectHTMLAttributes } from "react";

export interface SelectOption<V extends string> {
  value: V;
  label: string;
  disabled?: boolean;
}

type NativeProps = Pick<
  SelectHTMLAttributes<HTMLSelectElement>,
  "id" | "disabled" | "aria-label" | "aria-labelledby" | "aria-describedby" | "aria-invalid"
>;

/**
 * A choice among a few options: the browser's own `<select>` (its list, keyboard and screen-reader behaviour),
 * dressed as Radix Themes' select trigger (app/globals.css, `.select`). Not Radix's Select: it weighed ~8 kB gzip
 * of every page that has a choice (issue 23), for a list the platform already draws. Typed by its options:
 * `onValueChange` receives one of their values, never any other string.
 */
export function Select<V extends string>({
  value,
  options,
  onValueChange,
  ...native
}: NativeProps & {
  value: V;
  options: readonly SelectOption<V>[];
  onValueChange: (value: V) => void;
}) {
  return (
    <span className="select">
      <select
        {...native}
        value={value}
        onChange={(event) => {
          const option = options.find((candidate) => candidate.value === event.target.value);
          if (option) onValueChange(option.value);
        }}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value} disabled={option.disabled}>
            {option.label}
          </option>
        ))}
      </select>
      <ChevronDownIcon aria-hidden className="select-icon" />
    </span>
  );
}
