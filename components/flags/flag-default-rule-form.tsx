"use client";

import { Code, Flex, Text, TextField, VisuallyHidden } from "@radix-ui/themes";
import { useId, useState, type FormEvent } from "react";

import { EditorFooter, useFlagPartEditor, type EditableFlag } from "./flag-part-editor";
import { valueLabel } from "./flag-text";
import { ROLLOUT_TOTAL, type LdFlag } from "@/lib/domain/feature-flags";

/** A share as typed: a percentage from 0 to 100 with at most three decimals (weights are thousandths of a percent). */
const SHARE = /^\d{1,3}(\.\d{0,3})?$/;

/** The weight (thousandths of a percent) of a typed share, or null when it is not one. */
export function weightOf(text: string): number | null {
  const trimmed = text.trim().replace(",", ".");
  if (!SHARE.test(trimmed)) return null;
  const weight = Math.round(Number(trimmed) * 1000);
  return weight <= ROLLOUT_TOTAL ? weight : null;
}

/** The default rule's shares, one per variation, as the inputs show them ("100", "33.333"). */
function sharesOf(fallthrough: LdFlag["fallthrough"], flag: LdFlag): string[] {
  const weights = flag.variations.map(() => 0);
  if ("variation" in fallthrough) weights[fallthrough.variation] = ROLLOUT_TOTAL;
  else for (const entry of fallthrough.rollout.variations) weights[entry.variation] = (weights[entry.variation] ?? 0) + entry.weight;
  return weights.map((weight) => String(weight / 1000));
}

/** One variation for everyone when a share is 100 %, else a rollout listing every variation's weight. */
export function fallthroughOf(weights: number[], previous: LdFlag["fallthrough"]): LdFlag["fallthrough"] {
  const whole = weights.findIndex((weight) => weight === ROLLOUT_TOTAL);
  if (whole !== -1) return { variation: whole };
  const bucketBy = "rollout" in previous ? previous.rollout.bucketBy : undefined;
  return {
    rollout: { variations: weights.map((weight, variation) => ({ variation, weight })), ...(bucketBy !== undefined && { bucketBy }) },
  };
}

/**
 * The default rule: which share of everyone not matched by a target or a rule gets each variation, in percent.
 * The shares must add up to exactly 100 %: the running total says where they stand, and saving is refused
 * until they do. Sent as weights in thousandths of a percent (x 1000), as LaunchDarkly stores them.
 */
export function DefaultRuleForm({ flag }: { flag: EditableFlag }) {
  const editor = useFlagPartEditor(flag, (definition) => definition.fallthrough, sharesOf);
  const [problem, setProblem] = useState<string | null>(null);
  const baseId = useId();
  const totalId = `${baseId}-total`;
  const problemId = `${baseId}-problem`;

  const weights = editor.draft.map(weightOf);
  const valid = weights.every((weight) => weight !== null);
  const total = weights.reduce<number>((sum, weight) => sum + (weight ?? 0), 0);
  const complete = valid && total === ROLLOUT_TOTAL;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!valid) {
      setProblem("Each share must be a number from 0 to 100, with at most three decimals.");
      return;
    }
    if (total !== ROLLOUT_TOTAL) {
      setProblem(`The shares add up to ${total / 1000} %: they must add up to exactly 100 %.`);
      return;
    }
    setProblem(null);
    const checked = weights.map((weight) => weight ?? 0);
    await editor.save({ fallthrough: fallthroughOf(checked, flag.definition.fallthrough) }, `${flag.key}: default rule saved`);
  }

  return (
    <form onSubmit={submit} noValidate>
      <Flex direction="column" gap="3">
        <Text size="2" color="gray">
          Everyone not listed individually and not matched by a rule gets these variations, in these shares (by user id,
          so each person keeps theirs).
        </Text>
        <Flex gap="4" wrap="wrap">
          {flag.definition.variations.map((value, index) => (
            <ShareInput
              key={index}
              label={valueLabel(value)}
              value={editor.draft[index] ?? ""}
              invalid={weights[index] === null}
              describedBy={problem ? problemId : undefined}
              onChange={(text) => {
                setProblem(null);
                editor.setDraft((draft) => draft.map((share, i) => (i === index ? text : share)));
              }}
            />
          ))}
        </Flex>
        <Text id={totalId} size="2" weight="medium" color={complete ? undefined : "red"} aria-live="polite">
          Total: {valid ? `${total / 1000} %` : "not a number"}
          {complete ? "" : " (must be exactly 100 %)"}
        </Text>
        <EditorFooter editor={editor} saveLabel="Save default rule">
          {problem && (
            <Text id={problemId} size="2" color="red" role="alert">
              {problem}
            </Text>
          )}
        </EditorFooter>
      </Flex>
    </form>
  );
}

function ShareInput({
  label,
  value,
  invalid,
  describedBy,
  onChange,
}: {
  label: string;
  value: string;
  invalid: boolean;
  describedBy: string | undefined;
  onChange: (value: string) => void;
}) {
  const id = useId();
  return (
    <Flex direction="column" gap="1">
      <Text as="label" htmlFor={id} size="2" weight="medium">
        <VisuallyHidden>Share for </VisuallyHidden>
        <Code variant="ghost">{label}</Code>
      </Text>
      <TextField.Root
        id={id}
        inputMode="decimal"
        autoComplete="off"
        value={value}
        onChange={(event) => onChange(event.target.value)}
        aria-invalid={invalid ? true : undefined}
        aria-describedby={describedBy}
        style={{ width: "8rem" }}
      >
        <TextField.Slot side="right">%</TextField.Slot>
      </TextField.Root>
    </Flex>
  );
}
