"use client";

import { ExclamationTriangleIcon, ReloadIcon } from "@radix-ui/react-icons";
import { Button, Callout, Flex, Text } from "@radix-ui/themes";
import { useMutation, useQueryClient } from "@tanstack/react-query";

import { ApiError, api, describeError } from "@/components/data/api";
import { FLAGS_KEY } from "@/components/data/query-keys";
import { USER_FLAGS_KEY } from "./my-flags";
import { auditEventPageResponse } from "@/lib/api-contract/audit";
import { flagListResponse, flagResponse } from "@/lib/api-contract/flags";
import type { FlagChange } from "@/lib/domain/feature-flags";

/** Every flag query starts with this key: the list, each flag, each history. */
export { FLAGS_KEY };

export function flagListQuery() {
  return {
    queryKey: [...FLAGS_KEY, "list"],
    queryFn: ({ signal }: { signal: AbortSignal }) => api("/api/v1/flags", flagListResponse, { signal }),
  };
}

const flagPath = (key: string) => `/api/v1/flags/${encodeURIComponent(key)}`;

export function flagQuery(key: string) {
  return {
    queryKey: [...FLAGS_KEY, "one", key],
    queryFn: ({ signal }: { signal: AbortSignal }) => api(flagPath(key), flagResponse, { signal }),
  };
}

export const HISTORY_PAGE_SIZE = 20;

export function flagHistoryKey(key: string) {
  return [...FLAGS_KEY, "history", key];
}

export function fetchFlagHistory(key: string, cursor: string | null, signal: AbortSignal) {
  const query = new URLSearchParams({ limit: String(HISTORY_PAGE_SIZE) });
  if (cursor) query.set("cursor", cursor);
  return api(`${flagPath(key)}/history?${query}`, auditEventPageResponse, { signal });
}

/** A change of a flag's targeting (a merge patch of it), or putting back a version from its history. */
export type FlagAction = { kind: "change"; change: FlagChange } | { kind: "revert"; toVersion: number };

/**
 * Changes a flag as of `version`, the version the person was shown (sent as If-Match: a change made meanwhile
 * answers 412 rather than being overwritten). Afterwards every flag query and every user's variations are read
 * again, so the lists, the history, the banner and the users table follow.
 */
export function useFlagAction(key: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ action, version }: { action: FlagAction; version: number }) =>
      action.kind === "revert"
        ? api(`${flagPath(key)}/revert`, flagResponse, {
            method: "POST",
            body: { version: action.toVersion },
            headers: { "if-match": `"${version}"` },
          })
        : api(flagPath(key), flagResponse, { method: "PATCH", body: action.change, headers: { "if-match": `"${version}"` } }),
    onSuccess: async (flag) => {
      queryClient.setQueryData(flagQuery(key).queryKey, flag);
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: FLAGS_KEY }),
        queryClient.invalidateQueries({ queryKey: USER_FLAGS_KEY }),
      ]);
    },
  });
}

export function isVersionConflict(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 412 || error.code === "FLAG_VERSION_CONFLICT");
}

/**
 * Why a flag was not changed, next to the form that tried: a change made meanwhile (412) offers to reload the
 * flag; an invalid flag (422 FLAG_INVALID) lists the server's problems; anything else in its own words.
 */
/**
 * A confirmation dialog's failed flag change (kill switch, revert): the problem, and for a version conflict a
 * reload that closes the dialog, clears the failure and fetches the flags again.
 */
export function FlagDialogError({ action, onClose }: { action: { error: unknown; reset: () => void }; onClose: () => void }) {
  const queryClient = useQueryClient();
  return (
    <Flex mt="3" direction="column">
      <FlagChangeError
        error={action.error}
        onReload={() => {
          onClose();
          action.reset();
          void queryClient.invalidateQueries({ queryKey: FLAGS_KEY });
        }}
      />
    </Flex>
  );
}

export function FlagChangeError({ error, onReload }: { error: unknown; onReload: () => void }) {
  if (isVersionConflict(error)) {
    return (
      <Callout.Root color="amber" role="alert">
        <Callout.Icon>
          <ExclamationTriangleIcon />
        </Callout.Icon>
        <Flex direction="column" gap="2" align="start">
          <Callout.Text>
            This flag was changed by someone else since you opened it, so your change was not saved. Reload it to see
            the current version, then make your change again.
          </Callout.Text>
          <Button size="1" variant="soft" color="amber" onClick={onReload}>
            <ReloadIcon aria-hidden />
            Reload the flag
          </Button>
        </Flex>
      </Callout.Root>
    );
  }
  const problems =
    error instanceof ApiError && error.errors.length > 0
      ? error.errors.map((entry) => `${entry.path.join(".") || "flag"}: ${entry.message}`)
      : error instanceof ApiError && error.code === "FLAG_INVALID" && error.detail
        ? splitProblems(error.detail)
        : [];
  const { title, detail } = describeError(error);
  // A domain problem's title is its whole message; FLAG_INVALID's problems are listed instead.
  const headline = error instanceof ApiError && error.code === "FLAG_INVALID" ? "the flag would not be valid" : title;
  return (
    <Callout.Root color="red" role="alert">
      <Callout.Icon>
        <ExclamationTriangleIcon />
      </Callout.Icon>
      <Flex direction="column" gap="1">
        <Callout.Text weight="medium">
          Not saved: {headline}
          {problems.length === 0 && detail ? ` (${detail})` : ""}
        </Callout.Text>
        {problems.length > 0 && (
          <Text as="div" size="2">
            <ul className="problem-list">
              {problems.map((problem) => (
                <li key={problem}>{problem}</li>
              ))}
            </ul>
          </Text>
        )}
      </Flex>
    </Callout.Root>
  );
}

/** FLAG_INVALID's detail is "Flag <key> cannot be saved: <problem>; <problem>" (lib/domain/errors.ts). */
function splitProblems(detail: string): string[] {
  const list = detail.includes(": ") ? detail.slice(detail.indexOf(": ") + 2) : detail;
  return list.split("; ").filter(Boolean);
}
