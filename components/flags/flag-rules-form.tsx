"use client";

import { Cross2Icon, PlusIcon, TrashIcon } from "@radix-ui/react-icons";
import { Button, Card, Flex, Heading, IconButton, Text, TextField } from "@radix-ui/themes";
import { useId, useState, type FormEvent } from "react";

import { Select } from "@/components/ui/select";
import { EditorFooter, useFlagPartEditor, type EditableFlag } from "./flag-part-editor";
import { attributeLabel, describeRule, describeServe, operatorLabel, valueLabel, variationLabel } from "./flag-text";
import { RULE_ATTRIBUTES, RULE_OPERATORS, type LdFlag } from "@/lib/domain/feature-flags";
import { ROLES, USER_STATUSES } from "@/lib/domain/user";

type Rule = LdFlag["rules"][number];
type Attribute = (typeof RULE_ATTRIBUTES)[number];
type Operator = (typeof RULE_OPERATORS)[number];

interface ClauseDraft {
  attribute: Attribute;
  op: Operator;
  negate: boolean;
  /** As typed: comma-separated values. */
  values: string;
}

interface RuleDraft {
  id: string;
  description?: string;
  clauses: ClauseDraft[];
  /** A variation index as a string, or "rollout" to keep the rule's rollout (not edited here). */
  serve: string;
  rollout?: Extract<Rule, { rollout: unknown }>["rollout"];
}

const HINTS: Record<Attribute, string> = {
  key: "User ids, comma-separated",
  role: `Comma-separated: ${ROLES.join(", ")}`,
  emailDomain: "Comma-separated, e.g. example.com",
  status: `Comma-separated: ${USER_STATUSES.join(", ")}`,
};

const EXAMPLES: Record<Attribute, string> = { key: "a user id", role: "VIEWER", emailDomain: "example.com", status: "DISABLED" };

function rulesOf(rules: LdFlag["rules"]): RuleDraft[] {
  return rules.map((rule) => ({
    id: rule.id,
    ...(rule.description !== undefined && { description: rule.description }),
    clauses: rule.clauses.map((clause) => ({ attribute: clause.attribute, op: clause.op, negate: clause.negate, values: clause.values.join(", ") })),
    ...("variation" in rule ? { serve: String(rule.variation) } : { serve: "rollout", rollout: rule.rollout }),
  }));
}

function valuesOf(text: string): string[] {
  return text
    .split(",")
    .map((value) => value.trim())
    .filter(Boolean);
}

/** Rule ids only need to be unique within the flag. */
let counter = 0;
function newRuleId(): string {
  counter += 1;
  return `rule-${Date.now().toString(36)}-${counter}`;
}

const newClause = (): ClauseDraft => ({ attribute: "role", op: "in", negate: false, values: "" });

/**
 * Rules, tried in order after the individual targets: the first whose conditions all hold gives its variation.
 * Conditions test the user's id, role, email domain or status.
 */
export function RulesForm({ flag }: { flag: EditableFlag }) {
  const editor = useFlagPartEditor(flag, (definition) => definition.rules, rulesOf);
  const [problems, setProblems] = useState<string[]>([]);
  const variations = flag.definition.variations;

  const update = (index: number, change: (rule: RuleDraft) => RuleDraft) => {
    setProblems([]);
    editor.setDraft((rules) => rules.map((rule, i) => (i === index ? change(rule) : rule)));
  };

  async function submit(event: FormEvent) {
    event.preventDefault();
    const found = editor.draft.flatMap((rule, r) =>
      rule.clauses.flatMap((clause, c) => (valuesOf(clause.values).length === 0 ? [`Rule ${r + 1}, condition ${c + 1}: give at least one value.`] : [])),
    );
    setProblems(found);
    if (found.length > 0) return;
    const rules: Rule[] = editor.draft.map((rule) => ({
      id: rule.id,
      ...(rule.description !== undefined && { description: rule.description }),
      clauses: rule.clauses.map((clause) => ({
        contextKind: "user" as const,
        attribute: clause.attribute,
        op: clause.op,
        negate: clause.negate,
        values: valuesOf(clause.values),
      })),
      ...(rule.serve === "rollout" && rule.rollout ? { rollout: rule.rollout } : { variation: Number(rule.serve) }),
    }));
    await editor.save({ rules }, `${flag.key}: rules saved`);
  }

  return (
    <form onSubmit={submit} noValidate>
      <Flex direction="column" gap="3">
        <Text size="2" color="gray">
          Tried in order, after the individual targets: the first rule whose conditions all hold gives its variation.
        </Text>
        {editor.draft.length === 0 && (
          <Text size="2" color="gray">
            No rules.
          </Text>
        )}
        {editor.draft.map((rule, index) => (
          <RuleEditor
            key={rule.id}
            rule={rule}
            number={index + 1}
            variations={variations}
            onChange={(change) => update(index, change)}
            onRemove={() => {
              setProblems([]);
              editor.setDraft((rules) => rules.filter((_, i) => i !== index));
            }}
          />
        ))}
        <Flex>
          <Button
            type="button"
            variant="soft"
            onClick={() => editor.setDraft((rules) => [...rules, { id: newRuleId(), clauses: [newClause()], serve: "0" }])}
          >
            <PlusIcon aria-hidden />
            Add rule
          </Button>
        </Flex>
        <EditorFooter editor={editor} saveLabel="Save rules">
          {problems.length > 0 && (
            <Text as="div" size="2" color="red" role="alert">
              <ul className="problem-list">
                {problems.map((problem) => (
                  <li key={problem}>{problem}</li>
                ))}
              </ul>
            </Text>
          )}
        </EditorFooter>
      </Flex>
    </form>
  );
}

function RuleEditor({
  rule,
  number,
  variations,
  onChange,
  onRemove,
}: {
  rule: RuleDraft;
  number: number;
  variations: readonly (boolean | string)[];
  onChange: (change: (rule: RuleDraft) => RuleDraft) => void;
  onRemove: () => void;
}) {
  const headingId = useId();
  const name = `Rule ${number}`;
  const setClause = (index: number, change: Partial<ClauseDraft>) =>
    onChange((current) => ({ ...current, clauses: current.clauses.map((clause, i) => (i === index ? { ...clause, ...change } : clause)) }));
  const rolloutLabel = rule.rollout && `its rollout (${describeServe({ rollout: rule.rollout }, variations)})`;
  return (
    <Card asChild>
      <fieldset aria-labelledby={headingId} className="rule">
        <Flex direction="column" gap="3">
          <Flex justify="between" align="center">
            <Heading as="h4" size="2" id={headingId}>
              {name}
            </Heading>
            <IconButton type="button" variant="ghost" color="red" aria-label={`Remove ${name.toLowerCase()}`} onClick={onRemove}>
              <TrashIcon aria-hidden />
            </IconButton>
          </Flex>
          {rule.clauses.map((clause, index) => (
            <ClauseEditor
              key={index}
              clause={clause}
              name={`${name}, condition ${index + 1}`}
              first={index === 0}
              onChange={(change) => setClause(index, change)}
              onRemove={
                rule.clauses.length > 1
                  ? () => onChange((current) => ({ ...current, clauses: current.clauses.filter((_, i) => i !== index) }))
                  : undefined
              }
            />
          ))}
          <Flex gap="3" align="center" wrap="wrap" justify="between">
            <Button type="button" variant="ghost" size="1" onClick={() => onChange((current) => ({ ...current, clauses: [...current.clauses, newClause()] }))}>
              <PlusIcon aria-hidden />
              Add condition
            </Button>
            <Flex gap="2" align="center">
              <Text size="2" weight="medium">
                Then serve
              </Text>
              <Select
                aria-label={`${name}: serve`}
                value={rule.serve}
                options={[
                  ...variations.map((value, index) => ({ value: String(index), label: valueLabel(value) })),
                  ...(rolloutLabel ? [{ value: "rollout", label: rolloutLabel }] : []),
                ]}
                missingLabel={variationLabel(variations, Number(rule.serve))}
                onValueChange={(serve) => onChange((current) => ({ ...current, serve }))}
              />
            </Flex>
          </Flex>
        </Flex>
      </fieldset>
    </Card>
  );
}

/** The operator and its negation in one choice: "is one of", "is not one of", ... */
const CONDITIONS = RULE_OPERATORS.flatMap((op) => [false, true].map((negate) => ({ op, negate, value: `${negate ? "not-" : ""}${op}` })));

function ClauseEditor({
  clause,
  name,
  first,
  onChange,
  onRemove,
}: {
  clause: ClauseDraft;
  name: string;
  first: boolean;
  onChange: (change: Partial<ClauseDraft>) => void;
  onRemove: (() => void) | undefined;
}) {
  const id = useId();
  const condition = `${clause.negate ? "not-" : ""}${clause.op}`;
  return (
    <Flex gap="2" align="end" wrap="wrap" role="group" aria-label={name}>
      <Text size="2" color="gray" className="clause-joiner">
        {first ? "If" : "and"}
      </Text>
      <Select
        aria-label={`${name}: attribute`}
        value={clause.attribute}
        options={RULE_ATTRIBUTES.map((attribute) => ({ value: attribute, label: attributeLabel(attribute) }))}
        onValueChange={(attribute) => onChange({ attribute })}
      />
      <Select
        aria-label={`${name}: operator`}
        value={condition}
        options={CONDITIONS.map((entry) => ({ value: entry.value, label: operatorLabel(entry.op, entry.negate) }))}
        onValueChange={(value) => {
          const chosen = CONDITIONS.find((entry) => entry.value === value);
          if (chosen) onChange({ op: chosen.op, negate: chosen.negate });
        }}
      />
      <Flex direction="column" gap="1" flexGrow="1" minWidth="14rem">
        <TextField.Root
          value={clause.values}
          onChange={(event) => onChange({ values: event.target.value })}
          aria-label={`${name}: values`}
          aria-describedby={`${id}-hint`}
          placeholder={EXAMPLES[clause.attribute]}
          autoComplete="off"
        />
        <Text id={`${id}-hint`} size="1" color="gray">
          {HINTS[clause.attribute]}
        </Text>
      </Flex>
      {onRemove && (
        <IconButton type="button" variant="ghost" color="gray" aria-label={`Remove ${name.toLowerCase()}`} onClick={onRemove}>
          <Cross2Icon aria-hidden />
        </IconButton>
      )}
    </Flex>
  );
}

/** The rules for those who may only look. */
export function RulesView({ flag }: { flag: LdFlag }) {
  if (flag.rules.length === 0) {
    return (
      <Text size="2" color="gray">
        No rules.
      </Text>
    );
  }
  return (
    <ol className="rule-list">
      {flag.rules.map((rule) => (
        <li key={rule.id}>
          <Text size="2">If {describeRule(rule, flag.variations)}</Text>
        </li>
      ))}
    </ol>
  );
}
