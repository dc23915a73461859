import { afterAll, beforeEach, describe, expect, it } from "vitest";

import { createInMemoryDatabase } from "../memory/in-memory-database";
import { startInMemoryTracing } from "../../../test/support/in-memory-tracing";
import { withDatabaseTracing } from "./with-database-tracing";
import { withoutTracing } from "./without-tracing";

const tracing = startInMemoryTracing();
afterAll(() => tracing.stop());
beforeEach(() => tracing.reset());

describe("withoutTracing", () => {
  it("records no span for a unit of work or its calls, which the same unit records without it", async () => {
    const traced = withDatabaseTracing(createInMemoryDatabase().unitOfWork);
    const work = async ({ users }: Parameters<Parameters<typeof traced.run>[0]>[0]) => users.isEmpty();
    await withoutTracing(traced).run(work);
    await withoutTracing(traced).read(({ users }) => users.getById("00000000-0000-4000-8000-000000000000"));
    expect(tracing.spans()).toEqual([]);
    await traced.run(work);
    expect(tracing.spans().length).toBeGreaterThan(0);
  });
});
