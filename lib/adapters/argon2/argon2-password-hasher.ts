import { hash, verify, type Options } from "@node-rs/argon2";

import type { PasswordHasher } from "../../ports/password-hasher";

/**
 * argon2id through @node-rs/argon2 (Rust, prebuilt per platform, no install script). OWASP's minimum for
 * argon2id: 19 MiB of memory, 2 iterations, parallelism 1; about 50 ms per hash on our 2-core machines.
 * The parameters travel inside each PHC string, so raising them later still verifies old hashes.
 */
// `algorithm: 2` is Algorithm.Argon2id: a const enum, which isolated modules cannot read from the typings.
export const ARGON2_PARAMETERS: Options = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function createArgon2PasswordHasher(parameters = ARGON2_PARAMETERS): PasswordHasher {
  return {
    hash: (password) => hash(password, parameters),
    async verify(phc, password) {
      try {
        return await verify(phc, password);
      } catch {
        return false; // a malformed hash verifies nothing
      }
    },
  };
}
