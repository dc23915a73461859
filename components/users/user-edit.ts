/**
 * What the user's edit form sends and what it shows after a 412 (issue 7): pure functions, so the rules are tested
 * without a browser.
 */
import type { Role } from "@/lib/domain/user";

export const EDIT_FIELDS = ["name", "role", "status"] as const;
export type EditField = (typeof EDIT_FIELDS)[number];

export interface EditValues {
  name: string;
  role: Role;
  /** INVITED only as a user's current status: nobody sets it (lib/api-contract/users.ts patchUserBody). */
  status: "ACTIVE" | "DISABLED" | "INVITED";
}

export const FIELD_LABEL: Record<EditField, string> = { name: "Name", role: "Role", status: "Status" };

export function editValuesOf(user: EditValues): EditValues {
  return { name: user.name, role: user.role, status: user.status };
}

/**
 * The merge patch of what the person changed: only the fields whose value differs from the one they started
 * from, so a field they left alone never overwrites someone else's change to it. Names compare trimmed, as the
 * API stores them.
 */
export function changesOf(start: EditValues, draft: EditValues): Partial<EditValues> {
  const patch: Partial<EditValues> = {};
  if (draft.name.trim() !== start.name) patch.name = draft.name;
  if (draft.role !== start.role) patch.role = draft.role;
  if (draft.status !== start.status) patch.status = draft.status;
  return patch;
}

export interface ConflictRow {
  field: EditField;
  /** The value the person's edit started from. */
  start: string;
  /** The value someone else saved meanwhile. */
  theirs: string;
  /** The value in the person's form. */
  mine: string;
  /** Both sides changed it, to different values: Overwrite replaces theirs with mine. */
  clash: boolean;
}

/** One row per field that either side changed since `start`, in form order. */
export function conflictRows(start: EditValues, theirs: EditValues, mine: EditValues): ConflictRow[] {
  const changedByMe = changesOf(start, mine);
  return EDIT_FIELDS.filter((field) => theirs[field] !== start[field] || field in changedByMe).map((field) => {
    const mineValue = field === "name" ? mine.name.trim() : mine[field];
    return {
      field,
      start: start[field],
      theirs: theirs[field],
      mine: mineValue,
      clash: field in changedByMe && theirs[field] !== start[field] && theirs[field] !== mineValue,
    };
  });
}
