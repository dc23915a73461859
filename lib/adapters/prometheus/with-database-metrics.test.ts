import { describe, expect, it } from "vitest";

import { createInMemoryDatabase } from "../memory/in-memory-database";
import { createPrometheusMetrics } from "./metrics";
import { withDatabaseMetrics } from "./with-database-metrics";

/** `db_operation_duration_seconds_count` per `operation/outcome`, from the registry's own text output. */
async function counts(metrics: ReturnType<typeof createPrometheusMetrics>): Promise<Record<string, number>> {
  const text = await metrics.registry.metrics();
  const result: Record<string, number> = {};
  for (const [, operation, outcome, value] of text.matchAll(
    /^db_operation_duration_seconds_count\{operation="([^"]+)",outcome="([^"]+)"\} (\d+)$/gm,
  )) {
    result[`${operation}/${outcome}`] = Number(value);
  }
  return result;
}

describe("withDatabaseMetrics", () => {
  it("times each unit of work and each repository call inside it, by operation and outcome", async () => {
    const metrics = createPrometheusMetrics({ processMetrics: false });
    const unitOfWork = withDatabaseMetrics(createInMemoryDatabase().unitOfWork, metrics);

    const user = await unitOfWork.run(async ({ users, audit }) => {
      const created = await users.create({ email: "ada@example.com", name: "Ada", role: "VIEWER", status: "ACTIVE" });
      await audit.append({ action: "user.created", actor: { type: "system", id: null, label: "system" }, target: { type: "user", id: created.id } });
      return created;
    });
    expect(user.email).toBe("ada@example.com");
    // A rejected call and the unit it failed are both errors; the rejection reaches the caller unchanged.
    const refusal = unitOfWork.run(({ users }) => users.create({ email: "ada@example.com", name: "Again", role: "VIEWER", status: "ACTIVE" }));
    await expect(refusal).rejects.toMatchObject({ code: "USER_EMAIL_TAKEN" });

    expect(await counts(metrics)).toEqual({
      "unit_of_work/ok": 1,
      "unit_of_work/error": 1,
      "users.create/ok": 1,
      "users.create/error": 1,
      "audit.append/ok": 1,
    });
  });

  it("keeps savepoints working through the decorated repositories", async () => {
    const metrics = createPrometheusMetrics({ processMetrics: false });
    const unitOfWork = withDatabaseMetrics(createInMemoryDatabase().unitOfWork, metrics);
    const names = await unitOfWork.run(async ({ users, savepoint }) => {
      await users.create({ email: "kept@example.com", name: "Kept", role: "VIEWER", status: "ACTIVE" });
      await savepoint(async () => {
        await users.create({ email: "undone@example.com", name: "Undone", role: "VIEWER", status: "ACTIVE" });
        throw new Error("undo this one");
      }).catch(() => undefined);
      const page = await users.list({ sort: { field: "createdAt", direction: "desc" }, limit: 10 });
      return page.items.map((item) => item.email);
    });
    expect(names).toEqual(["kept@example.com"]);
  });
});
