import { en, Faker } from "@faker-js/faker";

import { SYSTEM_ACTOR } from "../domain/auth";
import type { NewUser, Role, UserStatus } from "../domain/user";
import type { UnitOfWork } from "../ports/unit-of-work";

/** With the bootstrap admin (use-cases/bootstrap-admin.ts), a demo database holds 300 users. */
export const DEFAULT_DEMO_USER_COUNT = 299;

/*
 * Fixed seed and fixed anchor date, so every run produces the same users, with the same creation dates, on
 * any machine and any day: tests and screenshots can rely on them, and re-running the seed is idempotent.
 */
const SEED = 20_261_125;
const ANCHOR = new Date("2026-11-01T00:00:00.000Z");
const YEAR_MS = 365 * 24 * 60 * 60 * 1000;
const BATCH_SIZE = 50;
const DOMAINS = ["example.com", "example.org", "example.net"] as const;
const ROLE_WEIGHTS: { weight: number; value: Role }[] = [
  { weight: 70, value: "VIEWER" },
  { weight: 22, value: "EDITOR" },
  { weight: 8, value: "ADMIN" },
];
const STATUS_WEIGHTS: { weight: number; value: UserStatus }[] = [
  { weight: 75, value: "ACTIVE" },
  { weight: 15, value: "INVITED" },
  { weight: 10, value: "DISABLED" },
];

/**
 * `count` generated demo users, deterministic. None can sign in: they have no password (people sign in as the
 * bootstrap admin, who invites others).
 */
export function demoUsers(count: number = DEFAULT_DEMO_USER_COUNT): NewUser[] {
  const faker = new Faker({ locale: [en], seed: SEED });
  const users: NewUser[] = [];
  for (let i = 1; i <= count; i++) {
    const firstName = faker.person.firstName();
    const lastName = faker.person.lastName();
    const domain = faker.helpers.arrayElement(DOMAINS);
    users.push({
      // The index keeps emails unique however often faker repeats a name.
      email: `${slug(firstName)}.${slug(lastName)}${i}@${domain}`,
      name: `${firstName} ${lastName}`,
      role: faker.helpers.weightedArrayElement(ROLE_WEIGHTS),
      status: faker.helpers.weightedArrayElement(STATUS_WEIGHTS),
      createdAt: faker.date.between({ from: ANCHOR.getTime() - YEAR_MS, to: ANCHOR }),
    });
  }
  return users;
}

export type SeedDemoUsers = (options?: {
  count?: number;
  /** Called after each batch with the number of users handled so far. */
  onProgress?: (done: number, total: number) => void;
}) => Promise<number>;

/**
 * Creates the demo users that do not exist yet (matched by email, soft-deleted ones included), in units of
 * {@link BATCH_SIZE}; resolves with the number created. Running it again creates nothing.
 */
export function makeSeedDemoUsers({ unitOfWork }: { unitOfWork: UnitOfWork }): SeedDemoUsers {
  return async ({ count, onProgress } = {}) => {
    const users = demoUsers(count);
    let created = 0;
    for (let start = 0; start < users.length; start += BATCH_SIZE) {
      const batch = users.slice(start, start + BATCH_SIZE);
      created += await unitOfWork.run(async ({ users: repository, audit }) => {
        let createdInBatch = 0;
        for (const input of batch) {
          if (await repository.getByEmail(input.email, { includeDeleted: true })) continue;
          const user = await repository.create(input);
          await audit.append({
            action: "user.created",
            actor: SYSTEM_ACTOR,
            target: { type: "user", id: user.id },
            data: { after: { email: user.email, role: user.role, status: user.status }, source: "demo-seed" },
          });
          createdInBatch++;
        }
        return createdInBatch;
      });
      onProgress?.(Math.min(start + BATCH_SIZE, users.length), users.length);
    }
    return created;
  };
}

function slug(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[^A-Za-z]/g, "")
    .toLowerCase();
}
