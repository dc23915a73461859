import { describe, expect, it } from "vitest";

import type { CredentialChange } from "../../ports/credential-cache";
import { createInMemoryDatabase } from "../memory/in-memory-database";
import { withCredentialChanges } from "./with-credential-changes";

function recorded() {
  const db = createInMemoryDatabase();
  const published: CredentialChange[][] = [];
  const unitOfWork = withCredentialChanges(db.unitOfWork, { publish: (changes) => void published.push([...changes]) });
  return { unitOfWork, published };
}

describe("credential changes recorded by the unit of work", () => {
  it("publishes, once the unit commits, the user, session and token writes that change who may call", async () => {
    const { unitOfWork, published } = recorded();
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
  });

  it("publishes what a failed unit wrote too: it may have committed (a deadline during the commit)", async () => {
    const { unitOfWork, published } = recorded();
    const user = await unitOfWork.run(({ users }) => users.create({ email: "b@example.com", name: "B", role: "VIEWER", status: "ACTIVE" }));
    await expect(
      unitOfWork.run(async ({ users }) => {
        await users.softDelete(user.id);
        throw new Error("deadline exceeded");
      }),
    ).rejects.toThrow("deadline exceeded");
    expect(published.at(-1)).toEqual([{ kind: "user", id: user.id }]);
  });
});
