"use client";

import { CounterClockwiseClockIcon } from "@radix-ui/react-icons";
import { Badge, Button, Flex, Skeleton, Table, Text } from "@radix-ui/themes";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import { toast } from "sonner";

import { ColumnHeaders } from "@/components/ui/column-headers";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { formatDateTime } from "@/components/ui/format";
import { LoadError } from "@/components/ui/load-error";
import { FlagDialogError, fetchFlagHistory, flagHistoryKey, useFlagAction } from "./flag-api";
import { actionLabel, describeChange, describeFlag } from "./flag-text";
import type { AuditEventJson } from "@/lib/api-contract/audit";
import type { FlagJson } from "@/lib/api-contract/flags";
import { ldFlagSchema, type LdFlag } from "@/lib/domain/feature-flags";

interface Version {
  entry: AuditEventJson;
  before: LdFlag | null;
  after: LdFlag;
}

/** An audit entry of the flag as the version it made; entries that hold no flag (none are expected) are left out. */
function versionOf(entry: AuditEventJson): Version | null {
  const after = ldFlagSchema.safeParse(entry.data.after);
  if (!after.success) return null;
  const before = ldFlagSchema.safeParse(entry.data.before);
  return { entry, after: after.data, before: before.success ? before.data : null };
}

/**
 * A flag's history (GET /api/v1/flags/{key}/history), newest first: each version, what changed, who and when.
 * Those who may change the flag put an earlier version back (POST .../revert, after a confirmation); that is a
 * new version, so the history only grows.
 */
export function FlagHistory({ flag, canRevert }: { flag: FlagJson; canRevert: boolean }) {
  const history = useInfiniteQuery({
    queryKey: flagHistoryKey(flag.key),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) => fetchFlagHistory(flag.key, pageParam, signal),
    getNextPageParam: (page) => page.nextCursor,
  });
  if (history.isPending) return <Skeleton height="8rem" />;
  if (history.isError) return <LoadError error={history.error} what="The flag's history" />;
  const versions = history.data.pages.flatMap((page) => page.items).flatMap((entry) => versionOf(entry) ?? []);
  if (versions.length === 0) {
    return (
      <Text size="2" color="gray">
        No changes recorded yet.
      </Text>
    );
  }
  return (
    <Flex direction="column" gap="3">
      <Table.Root variant="surface" size="1">
        <caption className="visually-hidden">History of {flag.key}</caption>
        <ColumnHeaders columns={["Version", "Change", "By", "When"]} actions={canRevert} />
        <Table.Body>
          {versions.map((version) => {
            const isCurrent = version.after.version === flag.version;
            return (
              <Table.Row key={version.entry.id}>
                <Table.RowHeaderCell>
                  <Flex gap="2" align="center">
                    {version.after.version}
                    {isCurrent && (
                      <Badge color="green" variant="soft">
                        current
                      </Badge>
                    )}
                  </Flex>
                </Table.RowHeaderCell>
                <Table.Cell>
                  <Flex direction="column" gap="1">
                    <Text size="2" weight="medium">
                      {actionLabel(version.entry.action)}
                    </Text>
                    <Text size="1" color="gray">
                      {describeChange(version.before, version.after).join("; ")}
                    </Text>
                  </Flex>
                </Table.Cell>
                <Table.Cell>
                  <Text size="2">{version.entry.actor.label}</Text>
                </Table.Cell>
                <Table.Cell className="nowrap">
                  <Text size="2">
                    <time dateTime={version.entry.createdAt}>{formatDateTime(version.entry.createdAt)}</time>
                  </Text>
                </Table.Cell>
                {canRevert && (
                  <Table.Cell justify="end" className="nowrap">
                    {!isCurrent && flag.version !== null && (
                      <RevertButton flagKey={flag.key} currentVersion={flag.version} target={version.after} />
                    )}
                  </Table.Cell>
                )}
              </Table.Row>
            );
          })}
        </Table.Body>
      </Table.Root>
      {history.hasNextPage && (
        <Flex justify="center">
          <Button variant="soft" loading={history.isFetchingNextPage} onClick={() => void history.fetchNextPage()}>
            Load older versions
          </Button>
        </Flex>
      )}
    </Flex>
  );
}

function RevertButton({ flagKey, currentVersion, target }: { flagKey: string; currentVersion: number; target: LdFlag }) {
  const [open, setOpen] = useState(false);
  const action = useFlagAction(flagKey);

  async function confirm() {
    try {
      const flag = await action.mutateAsync({ action: { kind: "revert", toVersion: target.version }, version: currentVersion });
      toast.success(`${flagKey} is back to version ${target.version} (saved as version ${flag.version ?? "?"})`);
      setOpen(false);
    } catch {
      // Shown in the dialog (action.error).
    }
  }

  return (
    <ConfirmDialog
      trigger={
        <Button size="1" variant="soft" color="gray">
          <CounterClockwiseClockIcon aria-hidden />
          Revert to version {target.version}
        </Button>
      }
      open={open}
      onOpenChange={(value) => {
        setOpen(value);
        if (!value) action.reset();
      }}
      title={`Revert ${flagKey} to version ${target.version}?`}
      description={`The flag becomes as it was at version ${target.version}: ${describeFlag(target)}. This is saved as a new version, ${currentVersion + 1}; the history keeps every version.`}
      confirmLabel={`Revert to version ${target.version}`}
      busy={action.isPending}
      onConfirm={() => void confirm()}
    >
      {action.isError && <FlagDialogError action={action} onClose={() => setOpen(false)} />}
    </ConfirmDialog>
  );
}
