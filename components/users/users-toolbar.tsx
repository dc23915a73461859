"use client";

import { CaretDownIcon, DownloadIcon, MagnifyingGlassIcon } from "@radix-ui/react-icons";
import { Button, DropdownMenu, Flex, Text, TextField } from "@radix-ui/themes";
import { useId, useState } from "react";
import { useDebouncedCallback } from "use-debounce";

import { capitalize } from "@/components/ui/format";
import { Select } from "@/components/ui/select";
import { exportHref, type ListingChange } from "./users-listing";
import { ROLES, USER_STATUSES } from "@/lib/domain/user";
import type { UserListQuery } from "@/lib/domain/user-list";

/** How long typing must pause before the search reaches the address and the API (issue 7: debounced search). */
export const SEARCH_DEBOUNCE_MS = 300;
const PAGE_SIZES = [10, 20, 50, 100] as const;

/**
 * Search, role and status filters, page size and export for the users table. Each control changes the address
 * (components/users/users-listing.ts); the search box only once typing pauses, replacing the history entry rather than
 * adding one per pause.
 */
export function UsersToolbar({
  query,
  onChange,
}: {
  query: UserListQuery;
  onChange: (change: ListingChange, options?: { replace?: boolean }) => void;
}) {
  const pageSizeLabel = useId();
  return (
    <Flex gap="3" align="end" wrap="wrap" role="search" aria-label="Find users">
      <SearchBox value={query.search ?? ""} onSearch={(search) => onChange({ search: search || undefined }, { replace: true })} />
      <FilterMenu
        label="Role"
        options={ROLES}
        selected={query.roles ?? []}
        onChange={(roles) => onChange({ roles: roles.length > 0 ? roles : undefined })}
      />
      <FilterMenu
        label="Status"
        options={USER_STATUSES}
        selected={query.statuses ?? []}
        onChange={(statuses) => onChange({ statuses: statuses.length > 0 ? statuses : undefined })}
      />
      <Flex direction="column" gap="1">
        <Text size="1" color="gray" id={pageSizeLabel}>
          Rows per page
        </Text>
        <Select
          aria-labelledby={pageSizeLabel}
          value={String(query.limit)}
          // The current size stays choosable even when the address set one not in the list (limit=37).
          options={[...new Set([...PAGE_SIZES, query.limit])].sort((a, b) => a - b).map((size) => ({ value: String(size), label: String(size) }))}
          onValueChange={(value) => onChange({ limit: Number(value) })}
        />
      </Flex>
      <Button asChild variant="soft" ml="auto">
                <a href={exportHref(query)} download>
          <DownloadIcon aria-hidden />
          Export CSV
        </a>
      </Button>
    </Flex>
  );
}

/**
 * The search box keeps what is typed; the address (and with it the query) follows once typing pauses. When the
 * address changes by other means (Back, a link), the box shows the address's search again.
 */
function SearchBox({ value, onSearch }: { value: string; onSearch: (search: string) => void }) {
  const [text, setText] = useState(value);
  const [shown, setShown] = useState(value);
  if (value !== shown) {
    // Adjusting state while rendering, React's pattern for following a prop (no effect, no extra paint).
    setShown(value);
    setText(value);
  }
  const search = useDebouncedCallback((next: string) => onSearch(next.trim()), SEARCH_DEBOUNCE_MS);
  return (
    <TextField.Root
      type="search"
      aria-label="Search users by name or email"
      placeholder="Search name or email"
      data-shortcut="search"
      maxLength={200}
      value={text}
      onChange={(event) => {
        setText(event.target.value);
        search(event.target.value);
      }}
      onKeyDown={(event) => {
        // Enter searches at once; Escape leaves the box (so j/k move through the rows again).
        if (event.key === "Enter") search.flush();
        if (event.key === "Escape") event.currentTarget.blur();
      }}
      style={{ minWidth: "16rem" }}
    >
      <TextField.Slot>
        <MagnifyingGlassIcon aria-hidden />
      </TextField.Slot>
    </TextField.Root>
  );
}

function FilterMenu<T extends string>({
  label,
  options,
  selected,
  onChange,
}: {
  label: string;
  options: readonly T[];
  selected: readonly T[];
  onChange: (selected: T[]) => void;
}) {
  const summary = selected.length === 0 ? "Any" : selected.map(capitalize).join(", ");
  return (
    <DropdownMenu.Root>
      <DropdownMenu.Trigger>
        <Button variant="surface" color="gray" aria-label={`${label}: ${summary}`}>
          {label}: {summary}
          <CaretDownIcon aria-hidden />
        </Button>
      </DropdownMenu.Trigger>
      <DropdownMenu.Content>
        {options.map((option) => (
          <DropdownMenu.CheckboxItem
            key={option}
            checked={selected.includes(option)}
            // Keep the menu open: several values are often picked in a row.
            onSelect={(event) => event.preventDefault()}
            onCheckedChange={(checked) =>
              onChange(checked ? options.filter((o) => o === option || selected.includes(o)) : selected.filter((o) => o !== option))
            }
          >
            {capitalize(option)}
          </DropdownMenu.CheckboxItem>
        ))}
        {selected.length > 0 && (
          <>
            <DropdownMenu.Separator />
            <DropdownMenu.Item onSelect={() => onChange([])}>Any {label.toLowerCase()}</DropdownMenu.Item>
          </>
        )}
      </DropdownMenu.Content>
    </DropdownMenu.Root>
  );
}
