"use client";

import { InfoCircledIcon, LockOpen1Icon, Pencil1Icon } from "@radix-ui/react-icons";
import { Badge, Button, Card, DataList, Flex, Heading, Link as RadixLink, Table, Text } from "@radix-ui/themes";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type ReactNode } from "react";
import { toast } from "sonner";

import { AuditEventsTable } from "@/components/audit/audit-log";
import { api, describeError } from "@/components/data/api";
import { userOverviewKey } from "@/components/data/query-keys";
import { ColumnHeaders } from "@/components/ui/column-headers";
import { DateTime } from "@/components/ui/date-time";
import { describeUserAgent } from "@/components/ui/format";
import { LoadError } from "@/components/ui/load-error";
import { UserEditForm } from "./user-edit-form";
import { UserFlags } from "./user-flags";
import { clearedSignInFailuresResponse, type UserJson } from "@/lib/api-contract/users";
import { userOverviewResponse, type UserOverviewJson, type UserSessionJson } from "@/lib/api-contract/users-overview";
import { roleHas } from "@/lib/domain/permissions";
import type { Role } from "@/lib/domain/user";
import { mayActOnRole } from "@/lib/domain/user-rules";

const STATUS_COLOR = { ACTIVE: "green", DISABLED: "red", INVITED: "amber" } as const;

/**
 * A user's page (issue 7): profile (editable for roles that may change this user), their recent audit entries,
 * live sessions and feature flags, from GET /api/v1/users/{id}/overview. The page renders it first on the server
 * (`initial`); refetches and invalidations then go through the API. A part the viewer's role may not see is
 * said to be left out, as the API lists it in `omitted`: that is not a failure.
 */
export function UserOverview({
  id,
  initial,
  viewer,
}: {
  id: string;
  initial: UserOverviewJson;
  viewer: { userId: string | null; role: Role };
}) {
  const overview = useQuery({
    queryKey: userOverviewKey(id),
    queryFn: ({ signal }) => api(`/api/v1/users/${encodeURIComponent(id)}/overview`, userOverviewResponse, { signal }),
    initialData: initial,
  });
  const { user, audit, sessions, flags, omitted } = overview.data;
  const permissionFor = (part: string) => omitted.find((entry) => entry.part === part)?.permission;

  return (
    <Flex direction="column" gap="6">
      <Text size="2">
        <RadixLink asChild>
          <Link href="/users">← All users</Link>
        </RadixLink>
      </Text>
      {/* The last good overview stays on screen; what failed since (the user deleted meanwhile, say) is said above it. */}
      {overview.isError && <LoadError error={overview.error} what="The latest state of this user" />}
      <Profile
        key={user.id}
        user={user}
        mayEdit={mayActOnRole(viewer, user.role)}
        mayAssignRole={roleHas(viewer.role, "users:assign-role")}
        mayClearSignInFailures={roleHas(viewer.role, "users:clear-sign-in-failures")}
        isViewer={viewer.userId === user.id}
      />

      <Section title="Recent activity" id="user-activity-heading">
        {audit ? (
          audit.items.length === 0 ? (
            <Text color="gray">Nothing recorded about this user yet.</Text>
          ) : (
            <>
              <AuditEventsTable events={audit.items} />
              {audit.nextCursor && (
                <Text size="2" color="gray">
                  The {audit.items.length} newest entries; the audit log has the rest.
                </Text>
              )}
            </>
          )
        ) : (
          <LeftOut what="The audit entries about this user" permission={permissionFor("audit")} />
        )}
      </Section>

      <Section title="Sessions" id="user-sessions-heading">
        {sessions ? (
          sessions.length === 0 ? (
            <Text color="gray">No live sessions: this user is not signed in anywhere.</Text>
          ) : (
            <SessionsTable sessions={sessions} />
          )
        ) : (
          <LeftOut what="This user's sessions" permission={permissionFor("sessions")} />
        )}
      </Section>

      {flags ? (
        <UserFlags userId={user.id} initial={flags} />
      ) : (
        <Section title="Feature flags" id="user-flags-heading">
          <LeftOut what="This user's feature flags" permission={permissionFor("flags")} />
        </Section>
      )}
    </Flex>
  );
}

function Profile({
  user,
  mayEdit,
  mayAssignRole,
  mayClearSignInFailures,
  isViewer,
}: {
  user: UserJson;
  mayEdit: boolean;
  mayAssignRole: boolean;
  mayClearSignInFailures: boolean;
  isViewer: boolean;
}) {
  const [editing, setEditing] = useState(false);
  return (
    <Flex direction="column" gap="3">
      <Flex align="center" justify="between" gap="3" wrap="wrap">
        <Heading as="h1" size="6">
          {user.name}
        </Heading>
        <Flex gap="3" wrap="wrap">
          {mayClearSignInFailures && <ClearSignInFailuresButton user={user} />}
          {mayEdit && !editing && (
            <Button variant="soft" onClick={() => setEditing(true)}>
              <Pencil1Icon aria-hidden />
              Edit user
            </Button>
          )}
        </Flex>
      </Flex>
      {editing && mayEdit ? (
        <Card size="3">
          <UserEditForm user={user} mayAssignRole={mayAssignRole} isViewer={isViewer} onClose={() => setEditing(false)} />
        </Card>
      ) : (
        <DataList.Root aria-label="Profile">
          <DataList.Item>
            <DataList.Label>Email</DataList.Label>
            <DataList.Value>{user.email}</DataList.Value>
          </DataList.Item>
          <DataList.Item>
            <DataList.Label>Role</DataList.Label>
            <DataList.Value>{capitalize(user.role)}</DataList.Value>
          </DataList.Item>
          <DataList.Item>
            <DataList.Label>Status</DataList.Label>
            <DataList.Value>
              <Badge color={STATUS_COLOR[user.status]} variant="soft">
                {capitalize(user.status)}
              </Badge>
            </DataList.Value>
          </DataList.Item>
          <DataList.Item>
            <DataList.Label>Created</DataList.Label>
            <DataList.Value>
              <DateTime iso={user.createdAt} />
            </DataList.Value>
          </DataList.Item>
          <DataList.Item>
            <DataList.Label>Last changed</DataList.Label>
            <DataList.Value>
              <DateTime iso={user.updatedAt} />
            </DataList.Value>
          </DataList.Item>
        </DataList.Root>
      )}
    </Flex>
  );
}

/**
 * Lifts the sign-in delay that strangers' failed attempts put on this account (issue 18), for an owner who
 * cannot wait and has no browser they signed in on before.
 */
function ClearSignInFailuresButton({ user }: { user: UserJson }) {
  const queryClient = useQueryClient();
  const clear = useMutation({
    mutationFn: () =>
      api(`/api/v1/users/${encodeURIComponent(user.id)}/sign-in-failures`, clearedSignInFailuresResponse, { method: "DELETE" }),
    // The audit entry it wrote shows in the recent activity.
    onSettled: () => queryClient.invalidateQueries({ queryKey: userOverviewKey(user.id) }),
    onSuccess: ({ cleared }) =>
      toast.success(
        cleared === 0
          ? `${user.email} had no failed sign-ins to clear`
          : `Cleared ${cleared} failed sign-in${cleared === 1 ? "" : "s"}: ${user.email} can sign in from any browser now`,
      ),
    onError: (error) => {
      const { title, detail } = describeError(error);
      toast.error("The failed sign-ins were not cleared", { description: detail ? `${title}: ${detail}` : title });
    },
  });
  return (
    <Button variant="soft" color="gray" loading={clear.isPending} onClick={() => clear.mutate()}>
      <LockOpen1Icon aria-hidden />
      Clear failed sign-ins
    </Button>
  );
}

function Section({ title, id, children }: { title: string; id: string; children: ReactNode }) {
  return (
    <Flex direction="column" gap="3" asChild>
      <section aria-labelledby={id}>
        <Heading as="h2" size="4" id={id}>
          {title}
        </Heading>
        {children}
      </section>
    </Flex>
  );
}

/** A part the API left out for the viewer's role: said plainly, in gray, as a fact rather than an error. */
function LeftOut({ what, permission }: { what: string; permission: string | undefined }) {
  return (
    <Flex gap="2" align="center">
      <InfoCircledIcon aria-hidden color="var(--gray-10)" />
      <Text color="gray" size="2">
        {what} {permission ? `are shown to roles with ${permission}; yours does not have it.` : "are not shown to your role."}
      </Text>
    </Flex>
  );
}

function SessionsTable({ sessions }: { sessions: readonly UserSessionJson[] }) {
  return (
    <Table.Root variant="surface" size="1">
      <ColumnHeaders columns={["Device", "Address", "Signed in", "Last active", "Ends"]} />
      <Table.Body>
        {sessions.map((session, index) => (
          // No id in the overview (it is the session's lookup hash, not to be shown); rows are never reordered in place.
          <Table.Row key={`${index}-${session.createdAt}`}>
            <Table.Cell>
              <span title={session.userAgent ?? undefined}>{describeUserAgent(session.userAgent)}</span>
            </Table.Cell>
            <Table.Cell>{session.ip ?? "unknown"}</Table.Cell>
            <Table.Cell>
              <DateTime iso={session.createdAt} />
            </Table.Cell>
            <Table.Cell>
              <DateTime iso={session.lastSeenAt} />
            </Table.Cell>
            <Table.Cell>
              <DateTime iso={session.expiresAt} />
            </Table.Cell>
          </Table.Row>
        ))}
      </Table.Body>
    </Table.Root>
  );
}

function capitalize(value: string): string {
  return value.charAt(0) + value.slice(1).toLowerCase();
}
