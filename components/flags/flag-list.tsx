"use client";

import { ExternalLinkIcon } from "@radix-ui/react-icons";
import { Badge, Callout, Code, Flex, Link as RadixLink, Skeleton, Table, Text } from "@radix-ui/themes";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";

import { ColumnHeaders } from "@/components/ui/column-headers";
import { formatDateTime } from "@/components/ui/format";
import { LoadError } from "@/components/ui/load-error";
import { flagListQuery } from "./flag-api";
import { FlagKillSwitch } from "./flag-kill-switch";
import { actionLabel, valueLabel } from "./flag-text";
import type { FlagJson } from "@/lib/api-contract/flags";

export const LAUNCHDARKLY_APP_URL = "https://app.launchdarkly.com/";

/**
 * The flags page's table (GET /api/v1/flags): each flag, whether it is on, the variation most people get, and
 * its last change. Those who may change flags switch them on and off here; everything else is on each flag's page.
 */
export function FlagList({ canWrite }: { canWrite: boolean }) {
  const flags = useQuery(flagListQuery());
  if (flags.isPending) return <Skeleton height="12rem" />;
  if (flags.isError) return <LoadError error={flags.error} what="The flags" />;
  const managedElsewhere = flags.data.items.some((flag) => flag.managedBy === "launchdarkly");
  return (
    <Flex direction="column" gap="3">
      {managedElsewhere ? (
        <ManagedInLaunchDarkly />
      ) : (
        <Text color="gray" size="2">
          {canWrite
            ? "Switch a flag off to give everyone its off variation at once; open a flag to change who gets what."
            : "What each flag serves and its last change. Only administrators can change flags."}
        </Text>
      )}
      <Table.Root variant="surface">
        {/* Radix puts props on its wrapper, not on <table>: a caption names the table itself. */}
        <caption className="visually-hidden">Feature flags</caption>
        <ColumnHeaders columns={["Flag", "State", "Serving", "Last change"]} />
        <Table.Body>
          {flags.data.items.map((flag) => (
            <Table.Row key={flag.key}>
              <Table.RowHeaderCell style={{ minWidth: "14rem" }}>
                <FlagName flag={flag} />
              </Table.RowHeaderCell>
              <Table.Cell>
                <FlagKillSwitch flag={flag} canWrite={canWrite} />
              </Table.Cell>
              <Table.Cell className="nowrap">
                <Serving flag={flag} />
              </Table.Cell>
              <Table.Cell style={{ minWidth: "12rem" }}>
                <LastChange flag={flag} />
              </Table.Cell>
            </Table.Row>
          ))}
        </Table.Body>
      </Table.Root>
    </Flex>
  );
}

function FlagName({ flag }: { flag: FlagJson }) {
  const staleId = `stale-${flag.key}`;
  return (
    <Flex direction="column" gap="1" align="start">
      <Flex gap="2" align="center" wrap="wrap">
        <RadixLink asChild weight="medium">
          <Link href={`/flags/${encodeURIComponent(flag.key)}`}>{flag.key}</Link>
        </RadixLink>
        {flag.stale && (
          <Badge color="orange" variant="soft" aria-describedby={staleId}>
            stale
          </Badge>
        )}
      </Flex>
      <Text size="1" color="gray">
        {flag.description}
      </Text>
      {flag.stale && (
        <Text size="1" color="orange" id={staleId}>
          Stale: {flag.stale.reason}
        </Text>
      )}
    </Flex>
  );
}

/** "spacious · 100 %": the variation the default rule (or the off state) gives most people. */
export function Serving({ flag }: { flag: FlagJson }) {
  if (!flag.serving) {
    return (
      <Text size="2" color="gray">
        —
      </Text>
    );
  }
  return (
    <Text size="2">
      <Code variant="ghost">{valueLabel(flag.serving.variation)}</Code>
      <Text color="gray"> · {Number(flag.serving.percent.toFixed(3))} %</Text>
    </Text>
  );
}

export function LastChange({ flag }: { flag: FlagJson }) {
  if (!flag.lastChange) {
    return (
      <Text size="2" color="gray">
        —
      </Text>
    );
  }
  return (
    <Flex direction="column">
      <Text size="2">
        {actionLabel(flag.lastChange.action)} by {flag.lastChange.actor}
      </Text>
      <Text size="1" color="gray">
        <time dateTime={flag.lastChange.at}>{formatDateTime(flag.lastChange.at)}</time>
      </Text>
    </Flex>
  );
}

/** With LAUNCHDARKLY_SDK_KEY set the flags are changed on LaunchDarkly: this console only shows them. */
export function ManagedInLaunchDarkly() {
  return (
    <Callout.Root color="blue">
      <Callout.Text>
        These flags are managed in LaunchDarkly and are read-only here.{" "}
        <RadixLink href={LAUNCHDARKLY_APP_URL} target="_blank" rel="noreferrer">
          Manage in LaunchDarkly <ExternalLinkIcon aria-hidden />
        </RadixLink>
      </Callout.Text>
    </Callout.Root>
  );
}
