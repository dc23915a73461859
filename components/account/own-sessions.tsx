"use client";

import { Badge, Button, Flex, Skeleton, Table, VisuallyHidden } from "@radix-ui/themes";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { toast } from "sonner";

import { api, describeError, send } from "@/components/data/api";
import { ColumnHeaders } from "@/components/ui/column-headers";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { describeUserAgent, formatDateTime } from "@/components/ui/format";
import { LoadError } from "@/components/ui/load-error";
import { sessionListResponse, type OwnSessionJson } from "@/lib/api-contract/session";

const SESSIONS = ["session", "sessions"] as const;

/** One's own sessions (GET /api/v1/session/sessions); any but the current one can be ended here. */
export function OwnSessions() {
  const sessions = useQuery({
    queryKey: SESSIONS,
    queryFn: ({ signal }) => api("/api/v1/session/sessions", sessionListResponse, { signal }),
  });

  if (sessions.isPending) return <Skeleton height="6rem" />;
  if (sessions.isError) return <LoadError error={sessions.error} what="Your sessions" />;
  return (
    <Table.Root variant="surface" size="2">
      <ColumnHeaders columns={["Device", "Address", "Signed in", "Last active", "Ends"]} actions />
      <Table.Body>
        {sessions.data.items.map((session) => (
          <Table.Row key={session.id} align="center">
            <Table.Cell>
              <Flex gap="2" align="center" wrap="wrap">
                <span title={session.userAgent ?? undefined}>{describeUserAgent(session.userAgent)}</span>
                {session.current && (
                  <Badge color="green" variant="soft">
                    This session
                  </Badge>
                )}
              </Flex>
            </Table.Cell>
            <Table.Cell>{session.ip ?? "unknown"}</Table.Cell>
            <Table.Cell>
              <time dateTime={session.createdAt}>{formatDateTime(session.createdAt)}</time>
            </Table.Cell>
            <Table.Cell>
              <time dateTime={session.lastSeenAt}>{formatDateTime(session.lastSeenAt)}</time>
            </Table.Cell>
            <Table.Cell>
              <time dateTime={session.expiresAt}>{formatDateTime(session.expiresAt)}</time>
            </Table.Cell>
            <Table.Cell justify="end">{!session.current && <RevokeSession session={session} />}</Table.Cell>
          </Table.Row>
        ))}
      </Table.Body>
    </Table.Root>
  );
}

function RevokeSession({ session }: { session: OwnSessionJson }) {
  const queryClient = useQueryClient();
  const revoke = useMutation({
    mutationFn: () => send(`/api/v1/session/sessions/${encodeURIComponent(session.id)}`, { method: "DELETE" }),
    onSuccess: () => toast.success("Session ended"),
    onError: (error) => {
      const { title, detail } = describeError(error);
      toast.error(title, { description: detail });
    },
    // Refetched either way: after a 404 the session had already ended, and the list should say so.
    onSettled: () => queryClient.invalidateQueries({ queryKey: SESSIONS }),
  });
  const device = describeUserAgent(session.userAgent);
  return (
    <ConfirmDialog
      trigger={
        <Button size="1" variant="soft" color="red" loading={revoke.isPending}>
          Revoke
          <VisuallyHidden> session on {device}</VisuallyHidden>
        </Button>
      }
      title="End this session?"
      description={`${device}${session.ip ? ` at ${session.ip}` : ""}, last active ${formatDateTime(session.lastSeenAt)}, will be signed out at its next request.`}
      confirmLabel="End session"
      destructive
      onConfirm={() => revoke.mutate()}
    />
  );
}
