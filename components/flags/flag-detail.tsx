"use client";

import { ArrowLeftIcon } from "@radix-ui/react-icons";
import { Badge, Callout, Card, Code, Flex, Heading, Link as RadixLink, Skeleton, Text } from "@radix-ui/themes";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { ReactNode } from "react";

import { LoadError } from "@/components/ui/load-error";
import { flagQuery } from "./flag-api";
import { DefaultRuleForm } from "./flag-default-rule-form";
import { FlagHistory } from "./flag-history";
import { FlagKillSwitch } from "./flag-kill-switch";
import { LastChange, ManagedInLaunchDarkly, Serving } from "./flag-list";
import { isEditable } from "./flag-part-editor";
import { RulesForm, RulesView } from "./flag-rules-form";
import { TargetsForm, TargetsView } from "./flag-targets-form";
import { describeServe, valueWithMeaning, variationLabel } from "./flag-text";
import type { FlagJson } from "@/lib/api-contract/flags";

/**
 * One flag's page (GET /api/v1/flags/{key}): its state, default rule, individual targets, rules and history.
 * Those with flags:write change each part here (flags stored in this app); everyone else reads the same in words.
 */
export function FlagDetail({ flagKey, canWrite }: { flagKey: string; canWrite: boolean }) {
  const flag = useQuery(flagQuery(flagKey));
  return (
    <Flex direction="column" gap="5">
      <Text size="2">
        <RadixLink asChild>
          <Link href="/flags">
            <ArrowLeftIcon aria-hidden /> All flags
          </Link>
        </RadixLink>
      </Text>
      {flag.isPending ? (
        <>
          <Heading as="h1" size="6">
            {flagKey}
          </Heading>
          <Skeleton height="16rem" />
        </>
      ) : flag.isError ? (
        <>
          <Heading as="h1" size="6">
            {flagKey}
          </Heading>
          <LoadError error={flag.error} what="The flag" />
        </>
      ) : (
        <FlagBody flag={flag.data} canWrite={canWrite} />
      )}
    </Flex>
  );
}

function FlagBody({ flag, canWrite }: { flag: FlagJson; canWrite: boolean }) {
  const definition = flag.definition;
  const editable = canWrite && isEditable(flag) ? flag : null;
  return (
    <>
      <Flex direction="column" gap="2">
        <Flex align="center" gap="3" wrap="wrap">
          <Heading as="h1" size="6">
            {flag.key}
          </Heading>
          {flag.version !== null && (
            <Badge color="gray" variant="soft">
              version {flag.version}
            </Badge>
          )}
          {flag.stale && (
            <Badge color="orange" variant="soft" aria-describedby="flag-stale-reason">
              stale
            </Badge>
          )}
        </Flex>
        <Text color="gray" size="2">
          {flag.description}
        </Text>
        {flag.stale && (
          <Text id="flag-stale-reason" size="2" color="orange">
            Stale: {flag.stale.reason}. It may be time to remove it from the code.
          </Text>
        )}
        <Flex gap="5" wrap="wrap">
          <Fact label="Serving most">
            <Serving flag={flag} />
          </Fact>
          <Fact label="Last change">
            <LastChange flag={flag} />
          </Fact>
          <Fact label="Last evaluated">
            <Text size="2">{flag.lastEvaluatedOn ?? "no evaluation recorded yet"}</Text>
          </Fact>
        </Flex>
      </Flex>

      {flag.managedBy === "launchdarkly" && <ManagedInLaunchDarkly />}
      {flag.managedBy === "local" && !canWrite && (
        <Callout.Root color="gray">
          <Callout.Text>You can look at this flag; only administrators can change it.</Callout.Text>
        </Callout.Root>
      )}

      {definition && (
        <>
          <Part title="State" id="flag-state">
            <Flex direction="column" gap="2">
              <FlagKillSwitch flag={flag} canWrite={canWrite} />
              <Text size="2" color="gray">
                {definition.on
                  ? "On: individual targets, rules and the default rule below decide who gets what."
                  : `Off: everyone gets ${valueWithMeaning(flag.key, definition.variations[definition.offVariation] ?? "")}; targets and rules wait until it is on.`}
              </Text>
              <Text size="1" color="gray">
                While off, everyone gets <Code variant="ghost">{variationLabel(definition.variations, definition.offVariation)}</Code>.
              </Text>
            </Flex>
          </Part>
          <Part title="Default rule" id="flag-default-rule">
            {editable ? (
              <DefaultRuleForm flag={editable} />
            ) : (
              <Text size="2">Everyone else gets {describeServe(definition.fallthrough, definition.variations)}.</Text>
            )}
          </Part>
          <Part title="Individual targets" id="flag-targets">
            {editable ? <TargetsForm flag={editable} /> : <TargetsView flag={definition} />}
          </Part>
          <Part title="Rules" id="flag-rules">
            {editable ? <RulesForm flag={editable} /> : <RulesView flag={definition} />}
          </Part>
        </>
      )}
      <Part title="History" id="flag-history">
        {flag.managedBy === "local" ? (
          <FlagHistory flag={flag} canRevert={editable !== null} />
        ) : (
          <Text size="2" color="gray">
            LaunchDarkly keeps this flag&apos;s history.
          </Text>
        )}
      </Part>
    </>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Flex direction="column" gap="1">
      <Text size="1" color="gray" weight="medium">
        {label}
      </Text>
      {children}
    </Flex>
  );
}

function Part({ title, id, children }: { title: string; id: string; children: ReactNode }) {
  return (
    <Card asChild size="3">
      <section aria-labelledby={id}>
        <Flex direction="column" gap="3">
          <Heading as="h2" size="4" id={id}>
            {title}
          </Heading>
          {children}
        </Flex>
      </section>
    </Card>
  );
}
