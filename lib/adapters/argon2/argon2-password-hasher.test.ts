import { describe, expect, it } from "vitest";

import { createArgon2PasswordHasher } from "./argon2-password-hasher";

/** The parameters a PHC string records: what the hash really cost, whatever the code's constants say. */
function phcParameters(phc: string) {
  const match = /^\$(argon2(?:id|i|d))\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/.exec(phc);
  if (!match) throw new Error(`not an argon2 PHC string: ${phc}`);
  const [, algorithm, version, m, t, p] = match;
  return { algorithm, version: Number(version), memoryKiB: Number(m), iterations: Number(t), parallelism: Number(p) };
}

describe("argon2id as the app hashes passwords (issue 18, missing tests)", () => {
  it("uses argon2id with at least 19 MiB and 2 iterations (OWASP's minimum), per the hash it writes", async () => {
    const hasher = createArgon2PasswordHasher();
    const phc = await hasher.hash("correct horse battery staple");
    const parameters = phcParameters(phc);
    expect(parameters.algorithm).toBe("argon2id");
    expect(parameters.version).toBe(19);
    expect(parameters.memoryKiB).toBeGreaterThanOrEqual(19 * 1024);
    expect(parameters.iterations).toBeGreaterThanOrEqual(2);
    expect(await hasher.verify(phc, "correct horse battery staple")).toBe(true);
    expect(await hasher.verify(phc, "correct horse battery stapler")).toBe(false);
  });

  it("salts each hash: one password hashed twice gives two strings", async () => {
    const hasher = createArgon2PasswordHasher();
    expect(await hasher.hash("same password")).not.toBe(await hasher.hash("same password"));
  });
});
