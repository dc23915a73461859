import { describe, expect, it } from "vitest";

import { userRepositoryContract } from "../../../test/contract/user-repository.contract";
import { createInMemoryDatabase } from "./in-memory-database";

userRepositoryContract("in-memory", async () => ({
  fresh: async () => createInMemoryDatabase().unitOfWork,
}));

describe("in-memory database lifecycle", () => {
  it("answers a ping while open, and refuses one under an aborted signal", async () => {
    const { lifecycle } = createInMemoryDatabase();
    await expect(lifecycle.ping()).resolves.toBeUndefined();
    const controller = new AbortController();
    controller.abort(new Error("probe timed out"));
    await expect(lifecycle.ping(controller.signal)).rejects.toThrow("probe timed out");
  });

  it("refuses pings and units of work once closed; closing twice is harmless", async () => {
    const { lifecycle, unitOfWork } = createInMemoryDatabase();
    await lifecycle.close();
    await lifecycle.close();
    await expect(lifecycle.ping()).rejects.toThrow(/closed/);
    await expect(unitOfWork.run(async () => "work")).rejects.toThrow(/closed/);
  });

  it("gives up on a unit still waiting for its turn when its signal aborts, without running its work", async () => {
    const { unitOfWork } = createInMemoryDatabase();
    let releaseFirst: () => void = () => undefined;
    const first = unitOfWork.run(() => new Promise<void>((resolve) => (releaseFirst = resolve)));
    const controller = new AbortController();
    let secondStarted = false;
    const second = unitOfWork.run(
      async () => {
        secondStarted = true;
      },
      { signal: controller.signal },
    );
    controller.abort(new Error("waited too long"));
    await expect(second).rejects.toThrow("waited too long");
    releaseFirst();
    await first;
    // The lock passed on: a later unit runs.
    await expect(unitOfWork.run(async () => "next")).resolves.toBe("next");
    expect(secondStarted).toBe(false);
  });
});
