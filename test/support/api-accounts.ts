/**
 * Accounts on an API harness for the suites that share one app per run (test/api/*.suite.ts), so that each works
 * on users of its own: an admin, an editor and a viewer of the run, signed in; and users tagged per test, which a
 * test finds again by searching for its tag.
 */
import { randomBytes } from "node:crypto";

import type { Role, UserStatus } from "../../lib/domain/user";
import type { createApiHarness } from "./api-harness";

type Harness = Pick<Awaited<ReturnType<typeof createApiHarness>>, "createUser" | "signIn">;
type User = Awaited<ReturnType<Harness["createUser"]>>;

export interface Staff {
  /** Session cookies. */
  admin: string;
  editor: string;
  viewer: string;
  /** The users they belong to. */
  users: { admin: User; editor: User; viewer: User };
}

/** Creates an ADMIN, an EDITOR and a VIEWER (`<role>-<run>@staff.example`) with `password`, and signs each in. */
export async function signedInStaff(api: Harness, password: string): Promise<Staff> {
  const run = randomBytes(4).toString("hex");
  const emailOf = (role: Role) => `${role.toLowerCase()}-${run}@staff.example`;
  const admin = await api.createUser({ email: emailOf("ADMIN"), role: "ADMIN", password });
  const editor = await api.createUser({ email: emailOf("EDITOR"), role: "EDITOR", password });
  const viewer = await api.createUser({ email: emailOf("VIEWER"), role: "VIEWER", password });
  return {
    admin: await api.signIn(emailOf("ADMIN"), password),
    editor: await api.signIn(emailOf("EDITOR"), password),
    viewer: await api.signIn(emailOf("VIEWER"), password),
    users: { admin, editor, viewer },
  };
}

/** A tag no other test uses, and `make`, which creates a user carrying it in their email. */
export function taggedUsers(api: Pick<Harness, "createUser">) {
  const tag = `t${randomBytes(5).toString("hex")}`;
  const make = (local: string, user: { role?: Role; status?: UserStatus; name?: string } = {}) =>
    api.createUser({ email: `${local}.${tag}@example.com`, role: user.role ?? "VIEWER", status: user.status, name: user.name ?? local });
  return { tag, make };
}
