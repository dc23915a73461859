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
 * `onValueChange` receives one of their values, never any other string. A `value` none of them has (a rule serving
 * a variation the flag no longer has) is shown as `missingLabel`, chosen but not choosable, rather than as the first
 * option, which would then be impossible to pick.
 */
export function Select<V extends string>({
  value,
  options,
  onValueChange,
  missingLabel,
  ...native
}: NativeProps & {
  value: V;
  options: readonly SelectOption<V>[];
  onValueChange: (value: V) => void;
  missingLabel?: string;
}) {
  const missing = !options.some((option) => option.value === value);
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
        {missing && (
          <option value={value} disabled hidden>
            {missingLabel ?? value}
          </option>
        )}
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
