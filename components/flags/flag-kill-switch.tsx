"use client";

import { Badge, Flex, Switch, Text } from "@radix-ui/themes";
import { useState } from "react";
import { toast } from "sonner";

import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { FlagDialogError, useFlagAction } from "./flag-api";
import { describeServe, meaningOf, valueWithMeaning, variationLabel } from "./flag-text";
import type { FlagJson } from "@/lib/api-contract/flags";
import type { LdFlag } from "@/lib/domain/feature-flags";

/**
 * A flag's on/off state. For those who may change flags (and flags stored here) it is a switch, the kill switch of
 * issue 9: flipping it asks first, saying what everyone will get, and only then changes the flag. Everyone else
 * sees the state.
 */
export function FlagKillSwitch({ flag, canWrite }: { flag: FlagJson; canWrite: boolean }) {
  const definition = flag.definition;
  if (!definition) {
    return (
      <Text size="2" color="gray" className="nowrap">
        In LaunchDarkly
      </Text>
    );
  }
  if (!canWrite || flag.managedBy !== "local" || flag.version === null) return <StateBadge on={definition.on} />;
  return <Toggle flagKey={flag.key} definition={definition} version={flag.version} />;
}

export function StateBadge({ on }: { on: boolean }) {
  return (
    <Badge color={on ? "green" : "gray"} variant="soft">
      {on ? "On" : "Off"}
    </Badge>
  );
}

function Toggle({ flagKey, definition, version }: { flagKey: string; definition: LdFlag; version: number }) {
  const [open, setOpen] = useState(false);
  const action = useFlagAction(flagKey);
  const next = !definition.on;

  async function confirm() {
    try {
      await action.mutateAsync({ action: { kind: "change", change: { on: next } }, version });
      toast.success(`${flagKey} is ${next ? "on" : "off"}`);
      setOpen(false);
    } catch {
      // Shown in the dialog (action.error), which stays open.
    }
  }

  return (
    <Flex align="center" gap="2">
      <ConfirmDialog
        trigger={<Switch checked={definition.on} aria-label={`${flagKey} on`} />}
        open={open}
        onOpenChange={(value) => {
          setOpen(value);
          if (!value) action.reset();
        }}
        title={`Turn ${next ? "on" : "off"} ${flagKey}?`}
        description={consequence(definition, flagKey, next)}
        confirmLabel={`Turn ${next ? "on" : "off"}`}
        destructive={!next}
        busy={action.isPending}
        onConfirm={() => void confirm()}
      >
        {action.isError && <FlagDialogError action={action} onClose={() => setOpen(false)} />}
      </ConfirmDialog>
      <Text size="2" aria-hidden>
        {definition.on ? "On" : "Off"}
      </Text>
    </Flex>
  );
}

/** What flipping the flag does, in a sentence: "Everyone gets false: imports are refused." */
function consequence(flag: LdFlag, key: string, turningOn: boolean): string {
  const exceptions = [
    flag.targets.some((target) => target.values.length > 0) ? "individual targets" : null,
    flag.rules.length > 0 ? "rules" : null,
  ].filter(Boolean);
  if (!turningOn) {
    const value = flag.variations[flag.offVariation];
    const everyone = value === undefined ? variationLabel(flag.variations, flag.offVariation) : valueWithMeaning(key, value);
    const suspended = exceptions.length > 0 ? ` Its ${exceptions.join(" and ")} stop applying until it is turned on again.` : "";
    return `Everyone gets ${everyone}.${suspended}`;
  }
  const serve = flag.fallthrough;
  const single = "variation" in serve ? flag.variations[serve.variation] : undefined;
  const meaning = single === undefined ? undefined : meaningOf(key, single);
  const byDefault = `${describeServe(serve, flag.variations)}${meaning ? `, so ${meaning}` : ""}`;
  const except = exceptions.length > 0 ? ` Its ${exceptions.join(" and ")} apply again too.` : "";
  return `Its targeting applies again: by default everyone gets ${byDefault}.${except}`;
}
