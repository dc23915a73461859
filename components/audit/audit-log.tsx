"use client";

import { Badge, Button, Code, Flex, Skeleton, Table, Text } from "@radix-ui/themes";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { api } from "@/components/data/api";
import { AUDIT_KEY } from "@/components/data/query-keys";
import { ColumnHeaders } from "@/components/ui/column-headers";
import { DateTime } from "@/components/ui/date-time";
import { FormField } from "@/components/ui/form-field";
import { LoadError } from "@/components/ui/load-error";
import { auditEventPageResponse, type AuditEventJson } from "@/lib/api-contract/audit";

const PAGE_SIZE = 50;
/** The first page has no cursor. */
const FIRST_PAGE: string | null = null;

interface Filters {
  action: string;
  actor: string;
}

/**
 * The audit log (GET /api/v1/audit-events), newest first: filtered by action and actor (id, email or token
 * name), 50 at a time, with "Load more" following the server's cursor.
 */
export function AuditLog() {
  const [draft, setDraft] = useState<Filters>({ action: "", actor: "" });
  const [filters, setFilters] = useState<Filters>({ action: "", actor: "" });

  const events = useInfiniteQuery({
    queryKey: [...AUDIT_KEY, filters],
    initialPageParam: FIRST_PAGE,
    queryFn: ({ pageParam, signal }) => {
      const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (pageParam) query.set("cursor", pageParam);
      if (filters.action) query.set("action", filters.action);
      if (filters.actor) query.set("actor", filters.actor);
      return api(`/api/v1/audit-events?${query}`, auditEventPageResponse, { signal });
    },
    getNextPageParam: (page) => page.nextCursor,
  });

  function apply(event: FormEvent) {
    event.preventDefault();
    setFilters({ action: draft.action.trim(), actor: draft.actor.trim() });
  }
  const filtered = filters.action !== "" || filters.actor !== "";

  const items = events.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Flex direction="column" gap="4">
      <form onSubmit={apply} role="search" aria-label="Filter the audit log">
        <Flex gap="3" align="end" wrap="wrap">
          <FormField
            label="Action"
            placeholder="e.g. user.updated"
            value={draft.action}
            onChange={(event) => setDraft((d) => ({ ...d, action: event.target.value }))}
          />
          <FormField
            label="Actor"
            placeholder="Email, token name or id"
            // `/` focuses it (components/ui/keyboard-shortcuts.tsx): looking up who did what is this page's search.
            data-shortcut="search"
            value={draft.actor}
            onChange={(event) => setDraft((d) => ({ ...d, actor: event.target.value }))}
          />
          <Button type="submit" variant="soft">
            Filter
          </Button>
          {filtered && (
            <Button
              type="button"
              variant="ghost"
              color="gray"
              onClick={() => {
                setDraft({ action: "", actor: "" });
                setFilters({ action: "", actor: "" });
              }}
            >
              Clear filters
            </Button>
          )}
        </Flex>
      </form>

      {events.isPending ? (
        <Skeleton height="12rem" />
      ) : events.isError && items.length === 0 ? (
        <LoadError error={events.error} what="The audit log" />
      ) : items.length === 0 ? (
        <Text color="gray">{filtered ? "No events match these filters." : "No events yet."}</Text>
      ) : (
        <AuditEventsTable events={items} />
      )}

      {events.isError && items.length > 0 && <LoadError error={events.error} what="More events" />}
      {events.hasNextPage && (
        <Flex justify="center">
          <Button variant="soft" onClick={() => void events.fetchNextPage()} loading={events.isFetchingNextPage}>
            Load more
          </Button>
        </Flex>
      )}
    </Flex>
  );
}

/** Audit entries, newest first as given: on the audit log page and on a user's page (their recent activity). */
export function AuditEventsTable({ events }: { events: readonly AuditEventJson[] }) {
  return (
    <Table.Root variant="surface" size="1" ref={auditTableScrollable}>
      <ColumnHeaders columns={["Time", "Action", "Actor", "Target", "Changes", "Request"]} />
      <Table.Body>
        {events.map((event) => (
          <AuditRow key={event.id} event={event} />
        ))}
      </Table.Body>
    </Table.Root>
  );
}

function AuditRow({ event }: { event: AuditEventJson }) {
  return (
    <Table.Row>
      <Table.Cell className="nowrap">
        <DateTime iso={event.createdAt} />
      </Table.Cell>
      <Table.Cell>
        <Code variant="ghost">{event.action}</Code>
      </Table.Cell>
      <Table.Cell>
        <Flex gap="2" align="center">
          <Text title={event.actor.id ?? undefined}>{event.actor.label}</Text>
          {event.actor.type !== "user" && (
            <Badge variant="outline" color="gray" size="1">
              {event.actor.type}
            </Badge>
          )}
        </Flex>
      </Table.Cell>
      <Table.Cell className="nowrap">
        <Text>{event.target.type}</Text>
        {event.target.id && (
          <>
            {" "}
            {/* Monospaced, as the request id: ids line up and do not change the column's width. */}
            <Code variant="ghost" color="gray" title={event.target.id}>
              {shortId(event.target.id)}
            </Code>
          </>
        )}
      </Table.Cell>
      <Table.Cell>
        <Diff data={event.data} />
      </Table.Cell>
      <Table.Cell>
        {event.requestId ? (
          <Code variant="ghost" color="gray" title={event.traceId ? `trace ${event.traceId}` : undefined}>
            {shortId(event.requestId)}
          </Code>
        ) : (
          "—"
        )}
      </Table.Cell>
    </Table.Row>
  );
}

/**
 * `{ before, after }` as one line per field: `status: ACTIVE → DISABLED`. A creation has only `after`, a
 * deletion only `before`; anything else the entry holds is shown as compact JSON.
 */
function Diff({ data }: { data: Record<string, unknown> }) {
  const { before, after, ...rest } = data;
  const beforeFields = isRecord(before) ? before : {};
  const afterFields = isRecord(after) ? after : {};
  const fields = [...new Set([...Object.keys(beforeFields), ...Object.keys(afterFields)])];
  const others = Object.keys(rest);
  if (fields.length === 0 && others.length === 0) return <Text color="gray">—</Text>;
  return (
    <ul className="diff">
      {fields.map((field) => (
        <li key={field}>
          {field}:{" "}
          {field in beforeFields && (
            <del>{show(beforeFields[field])}</del>
          )}
          {field in beforeFields && field in afterFields && " → "}
          {field in afterFields && <ins>{show(afterFields[field])}</ins>}
        </li>
      ))}
      {others.map((key) => (
        <li key={key}>
          {key}: {show(rest[key])}
        </li>
      ))}
    </ul>
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  if (typeof value === "string") return value;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

/** Ids are UUIDs: the first block tells them apart on one screen; the full id is in the title. */
function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 8)}…` : id;
}

/**
 * The audit table is wider than the page (its changes column holds whole values), so Radix's table scrolls
 * sideways inside a viewport of its own, which nothing in it lets a keyboard reach: no link or button in the
 * rows. Made a named tab stop, it scrolls with the arrow keys (WCAG 2.1.1; axe: scrollable-region-focusable).
 * Radix Themes' Table.Root passes no props to that viewport, hence the ref.
 */
const auditTableScrollable = keyboardScrollable("Audit events");

function keyboardScrollable(label: string) {
  return (root: HTMLDivElement | null) => {
    const viewport = root?.querySelector(".rt-ScrollAreaViewport");
    if (!viewport) return;
    viewport.setAttribute("tabindex", "0");
    viewport.setAttribute("role", "region");
    viewport.setAttribute("aria-label", label);
  };
}
