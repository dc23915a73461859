import { describe, expect, it } from "vitest";

import type { CredentialChange } from "../../ports/credential-cache";
import type { UnitOfWork } from "../../ports/unit-of-work";
import { createInMemoryDatabase } from "../memory/in-memory-database";
import { withCredentialChanges } from "./with-credential-changes";

/** `published`: what this process forgot, after each unit; `announced`: what each unit told the others, inside it. */
function recorded() {
  const db = createInMemoryDatabase();
  const published: CredentialChange[][] = [];
  const announced: CredentialChange[][] = [];
  const inner: UnitOfWork = {
    read: db.unitOfWork.read,
    run: (work, options) =>
      db.unitOfWork.run(
        (repos) => work({ ...repos, credentialChanges: { announce: async (changes) => void announced.push([...changes]) } }),
        options,
      ),
  };
  const unitOfWork = withCredentialChanges(inner, { forget: (changes) => void published.push([...changes]) });
  return { unitOfWork, published, announced };
}

describe("credential changes recorded by the unit of work", () => {
  it("announces in the unit, and forgets once it committed, the user, session and token writes that change who may call", async () => {
    const { unitOfWork, published, announced } = recorded();
    const user = await unitOfWork.run(({ users }) => users.create({ email: "a@example.com", name: "A", role: "VIEWER", status: "ACTIVE" }));
    expect(published).toEqual([[]]); // creating a user changes nobody's credentials

    await unitOfWork.run(async ({ users, sessions, credentials }) => {
      await users.update(user.id, () => ({ role: "EDITOR" }));
      await sessions.delete("some-session");
      await sessions.deleteForUser(user.id);
      await credentials.set(user.id, { passwordHash: "x", mustChangePassword: false, setAt: new Date() });
    });
    expect(published.at(-1)).toEqual([
      { kind: "user", id: user.id },
      { kind: "session", id: "some-session" },
      { kind: "user", id: user.id },
      { kind: "user", id: user.id },
    ]);
    expect(announced.at(-1)).toEqual(published.at(-1));
  });

  it("forgets what a failed unit wrote too (it may have committed: a deadline during the commit), announcing nothing", async () => {
    const { unitOfWork, published, announced } = recorded();
    const user = await unitOfWork.run(({ users }) => users.create({ email: "b@example.com", name: "B", role: "VIEWER", status: "ACTIVE" }));
    await expect(
      unitOfWork.run(async ({ users }) => {
        await users.softDelete(user.id);
        throw new Error("deadline exceeded");
      }),
    ).rejects.toThrow("deadline exceeded");
    expect(published.at(-1)).toEqual([{ kind: "user", id: user.id }]);
    // The others hear only of what commits: the database sends the announcement with the commit, or not at all.
    expect(announced).toEqual([[]]);
  });
});
