"use client";

import { Cross2Icon, PlusIcon } from "@radix-ui/react-icons";
import { Badge, Button, Code, Flex, IconButton, Text, TextField } from "@radix-ui/themes";
import { useQuery } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";

import { ApiError, api, describeError } from "@/components/data/api";
import { Select } from "@/components/ui/select";
import { useFormMutation } from "@/components/ui/use-form-mutation";
import { EditorFooter, useFlagPartEditor, type EditableFlag } from "./flag-part-editor";
import { valueLabel } from "./flag-text";
import type { FlagValueJson } from "@/lib/api-contract/flag-evaluations";
import { userPageResponse, userResponse } from "@/lib/api-contract/users";
import type { LdFlag } from "@/lib/domain/feature-flags";

/** The user ids listed for each variation, by variation index. */
type Targets = string[][];

function targetsOf(targets: LdFlag["targets"], flag: LdFlag): Targets {
  const lists: Targets = flag.variations.map(() => []);
  for (const target of targets) lists[target.variation]?.push(...target.values);
  return lists;
}

export function userQuery(id: string) {
  return {
    queryKey: ["users", "one", id],
    queryFn: ({ signal }: { signal: AbortSignal }) => api(`/api/v1/users/${encodeURIComponent(id)}`, userResponse, { signal }),
    staleTime: 5 * 60_000,
    retry: false,
  };
}

/** The user an email or an id names, through the users API; throws a message for the person when there is none. */
async function findUser(text: string): Promise<{ id: string; email: string }> {
  const wanted = text.trim();
  if (wanted.includes("@")) {
    const page = await api(`/api/v1/users?${new URLSearchParams({ q: wanted, limit: "20" })}`, userPageResponse);
    const user = page.items.find((candidate) => candidate.email === wanted.toLowerCase());
    if (!user) throw new Error(`No user has the email ${wanted}.`);
    return user;
  }
  try {
    return await api(`/api/v1/users/${encodeURIComponent(wanted)}`, userResponse);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) throw new Error(`No user has the id ${wanted}.`);
    throw error;
  }
}

/** Why a user could not be added, in words for under the field. */
function problemOf(error: Error): string {
  return error instanceof ApiError ? describeError(error).title : error.message;
}

/**
 * Individual targets: users who get a given variation whatever the rules and the default rule say. Added by
 * email (or id), shown by email, stored by id (the evaluation context's key).
 */
export function TargetsForm({ flag }: { flag: EditableFlag }) {
  const editor = useFlagPartEditor(flag, (definition) => definition.targets, targetsOf);
  const variations = flag.definition.variations;
  const [who, setWho] = useState("");
  const [variation, setVariation] = useState("0");
  const ids = useId();
  const lookup = useFormMutation({
    mutationFn: ({ text }: { text: string; index: number }) => findUser(text),
    onSuccess: (user, { index }) => {
      // A user is listed for one variation only: adding them elsewhere moves them.
      editor.setDraft((draft) => draft.map((list, i) => (i === index ? [...list.filter((id) => id !== user.id), user.id] : list.filter((id) => id !== user.id))));
      setWho("");
    },
  });
  const addProblem = lookup.formErrors[0] ?? (lookup.failure && problemOf(lookup.failure));

  function add() {
    lookup.submit(
      who.trim()
        ? { ok: true, data: { text: who, index: Number(variation) } }
        : { ok: false, fields: {}, form: ["Type the user's email or id."] },
    );
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const targets = editor.draft.flatMap((values, index) => (values.length > 0 ? [{ values, variation: index }] : []));
    await editor.save({ targets }, `${flag.key}: individual targets saved`);
  }

  return (
    <form onSubmit={submit} noValidate>
      <Flex direction="column" gap="4">
        <Text size="2" color="gray">
          These users get the variation they are listed for, whatever the rules and the default rule say.
        </Text>
        {editor.draft.every((list) => list.length === 0) ? (
          <Text size="2">Nobody is listed individually.</Text>
        ) : (
          variations.map((value, index) =>
            (editor.draft[index] ?? []).length === 0 ? null : (
              <TargetList
                key={index}
                value={value}
                ids={editor.draft[index] ?? []}
                onRemove={(id) => editor.setDraft((draft) => draft.map((list, i) => (i === index ? list.filter((entry) => entry !== id) : list)))}
              />
            ),
          )
        )}
        <Flex gap="2" align="end" wrap="wrap" role="group" aria-label="Add an individual target">
          <Flex direction="column" gap="1">
            <Text as="label" htmlFor={`${ids}-who`} size="2" weight="medium">
              User email or id
            </Text>
            <TextField.Root
              id={`${ids}-who`}
              value={who}
              autoComplete="off"
              placeholder="someone@example.com"
              aria-invalid={addProblem ? true : undefined}
              aria-describedby={addProblem ? `${ids}-problem` : undefined}
              onChange={(event) => setWho(event.target.value)}
              onKeyDown={(event) => {
                // Enter adds the user rather than saving the whole form.
                if (event.key === "Enter") {
                  event.preventDefault();
                  add();
                }
              }}
              style={{ minWidth: "16rem" }}
            />
          </Flex>
          <Flex direction="column" gap="1">
            <Text as="label" id={`${ids}-gets`} htmlFor={`${ids}-gets-select`} size="2" weight="medium">
              Gets
            </Text>
            <Select
              id={`${ids}-gets-select`}
              aria-labelledby={`${ids}-gets`}
              value={variation}
              options={variations.map((value, index) => ({ value: String(index), label: valueLabel(value) }))}
              onValueChange={setVariation}
            />
          </Flex>
          <Button type="button" variant="soft" loading={lookup.pending} onClick={add}>
            <PlusIcon aria-hidden />
            Add target
          </Button>
        </Flex>
        {addProblem && (
          <Text id={`${ids}-problem`} size="2" color="red" role="alert">
            {addProblem}
          </Text>
        )}
        <EditorFooter editor={editor} saveLabel="Save targets" />
      </Flex>
    </form>
  );
}

function TargetList({ value, ids, onRemove }: { value: FlagValueJson; ids: string[]; onRemove: (id: string) => void }) {
  const headingId = useId();
  return (
    <Flex direction="column" gap="2">
      <Text id={headingId} size="2" weight="medium">
        Users who get <Code variant="ghost">{valueLabel(value)}</Code>
      </Text>
      <ul className="target-list" aria-labelledby={headingId}>
        {ids.map((id) => (
          <li key={id}>
            <TargetChip id={id} value={value} onRemove={() => onRemove(id)} />
          </li>
        ))}
      </ul>
    </Flex>
  );
}

/** A listed user by email (the id when they cannot be found: deleted since, or not a user). */
function TargetChip({ id, value, onRemove }: { id: string; value: FlagValueJson; onRemove?: () => void }) {
  const user = useQuery(userQuery(id));
  const label = user.data?.email ?? id;
  return (
    <Badge size="2" variant="surface" color="gray" className="target-chip">
      <span title={id}>{label}</span>
      {user.isError && <span className="target-unknown">(no such user)</span>}
      {onRemove && (
        <IconButton type="button" size="1" variant="ghost" color="gray" aria-label={`Remove ${label} from ${valueLabel(value)}`} onClick={onRemove}>
          <Cross2Icon aria-hidden />
        </IconButton>
      )}
    </Badge>
  );
}

/** The targets for those who may only look. */
export function TargetsView({ flag }: { flag: LdFlag }) {
  const lists = targetsOf(flag.targets, flag);
  if (lists.every((list) => list.length === 0)) {
    return (
      <Text size="2">Nobody is listed individually.</Text>
    );
  }
  return (
    <Flex direction="column" gap="3">
      {flag.variations.map((value, index) =>
        (lists[index] ?? []).length === 0 ? null : (
          <Flex key={index} direction="column" gap="2">
            <Text size="2" weight="medium">
              Users who get <Code variant="ghost">{valueLabel(value)}</Code>
            </Text>
            <ul className="target-list">
              {(lists[index] ?? []).map((id) => (
                <li key={id}>
                  <TargetChip id={id} value={value} />
                </li>
              ))}
            </ul>
          </Flex>
        ),
      )}
    </Flex>
  );
}
