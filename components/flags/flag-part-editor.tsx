"use client";

import { Button, Flex, Spinner } from "@radix-ui/themes";
import { useQueryClient } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { toast } from "sonner";

import { ApiError } from "@/components/data/api";
import { FlagChangeError, flagQuery, useFlagAction } from "./flag-api";
import type { FlagJson } from "@/lib/api-contract/flags";
import type { FlagChange, LdFlag } from "@/lib/domain/feature-flags";

/** A flag stored here, which those with flags:write may change. */
export type EditableFlag = FlagJson & { version: number; definition: LdFlag };

export function isEditable(flag: FlagJson): flag is EditableFlag {
  return flag.managedBy === "local" && flag.version !== null && flag.definition !== null;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The draft of one part of a flag (default rule, targets or rules), each saved on its own as a merge patch of
 * that part.
 *
 * Concurrency: the draft remembers the part as it was when editing began. Saving when the part has changed since
 * (someone else's change, seen in a newer read) is a conflict, said as such; otherwise the patch goes out with
 * If-Match of the newest version read, so a change made after that read is a 412, said the same way, with a
 * reload. Changes to the *other* parts meanwhile (one's own included) are not conflicts: the patch replaces only
 * this part. While the draft is untouched it follows the flag as it is read again.
 */
export function useFlagPartEditor<P, D>(flag: EditableFlag, pick: (definition: LdFlag) => P, toDraft: (part: P, flag: LdFlag) => D) {
  const queryClient = useQueryClient();
  const action = useFlagAction(flag.key);
  const current = pick(flag.definition);
  const [base, setBase] = useState(current);
  const [draft, setDraftState] = useState(() => toDraft(current, flag.definition));
  const [dirty, setDirty] = useState(false);
  const [conflict, setConflict] = useState(false);

  // Untouched: follow the flag (someone else's change, or this part just saved).
  if (!dirty && !same(base, current)) {
    setBase(current);
    setDraftState(toDraft(current, flag.definition));
  }

  function setDraft(update: (draft: D) => D) {
    setDraftState(update);
    setDirty(true);
  }

  function reset() {
    setBase(current);
    setDraftState(toDraft(current, flag.definition));
    setDirty(false);
    setConflict(false);
    action.reset();
  }

  async function reload() {
    await queryClient.refetchQueries({ queryKey: flagQuery(flag.key).queryKey });
    const fresh = queryClient.getQueryData<FlagJson>(flagQuery(flag.key).queryKey);
    const part = fresh?.definition ? pick(fresh.definition) : current;
    setBase(part);
    setDraftState(toDraft(part, fresh?.definition ?? flag.definition));
    setDirty(false);
    setConflict(false);
    action.reset();
  }

  async function save(change: FlagChange, done: string): Promise<void> {
    if (action.isPending) return;
    action.reset();
    if (!dirty) {
      toast.info("Nothing to save: this part is as stored.");
      return;
    }
    if (!same(base, current)) {
      setConflict(true);
      return;
    }
    setConflict(false);
    try {
      await action.mutateAsync({ action: { kind: "change", change }, version: flag.version });
      toast.success(done);
      setDirty(false);
    } catch {
      // Shown next to the form (action.error).
    }
  }

  const error: unknown = conflict ? CONFLICT : action.error;
  return { draft, setDraft, dirty, reset, reload, save, saving: action.isPending, error };
}

/** A conflict found before sending, shown as the server's 412 is. */
const CONFLICT = new ApiError({ status: 412, title: "The flag was changed meanwhile", code: "FLAG_VERSION_CONFLICT" });

/** The end of a part's form: why the last save failed, if it did, and the buttons. */
export function EditorFooter({
  editor,
  saveLabel,
  children,
}: {
  editor: { dirty: boolean; saving: boolean; error: unknown; reset: () => void; reload: () => Promise<void> };
  saveLabel: string;
  children?: ReactNode;
}) {
  return (
    <Flex direction="column" gap="3">
      {children}
      {editor.error != null && <FlagChangeError error={editor.error} onReload={() => void editor.reload()} />}
      <Flex gap="3" justify="end">
        {editor.dirty && (
          <Button type="button" variant="soft" color="gray" onClick={editor.reset}>
            Discard changes
          </Button>
        )}
        {/* Never disabled (Radix's `loading` disables too): that would drop the focus of whoever just saved with it. */}
        <Button type="submit" aria-disabled={editor.saving || undefined}>
          {editor.saving && <Spinner />}
          {saveLabel}
        </Button>
      </Flex>
    </Flex>
  );
}
