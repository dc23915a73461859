import { describe, expect, it } from "vitest";

import { ConfigError, loadConfig } from "./config";

describe("configuration", () => {
  it("has a working default for every variable, so an empty environment runs the embedded database", () => {
    const config = loadConfig({});
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config).toMatchObject({
      DATA_DIR: "./data",
      MIGRATE_ON_START: false,
      PORT: 3000,
      HOSTNAME: "127.0.0.1",
      // A trace backend outage must not take replicas out of rotation unless asked (issue 17).
      READY_REQUIRES_TRACE_EXPORT: false,
      READY_TRACE_EXPORT_GRACE_MS: 60_000,
    });
  });

  it.each([
    ["DATABASE_URL", "mysql://db/users"],
    ["DATABASE_URL", "postgres://app@db:port/users"],
    ["PORT", "eighty"],
    ["DB_TIMEOUT_MS", "0"],
    ["NATS_URL", "http://nats:4222"],
    ["NATS_URL", "nats://a:4222,b:4222"],
    ["NATS_STREAM", "user.console"],
    ["MIGRATE_ON_START", "yes"],
    ["READY_REQUIRES_TRACE_EXPORT", "yes"],
    ["READY_TRACE_EXPORT_GRACE_MS", "a minute"],
    ["LOG_LEVEL", "loud"],
    ["METRICS_PORT", "0"],
    ["METRICS_PORT", "3000"],
    ["WEBHOOK_ALLOW_PRIVATE_CIDRS", "10.0.0.0/8,localhost"],
    ["WEBHOOK_RETRY_SCHEDULE", "5s,5 days"],
    ["WEBHOOK_RETRY_SCHEDULE", "12h,12h"],
    ["WEBHOOK_TIMEOUT_MS", "50"],
    ["WEBHOOK_CONCURRENCY", "0"],
  ])("refuses %s=%s with a message naming the variable", (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^Invalid configuration: ${name} `));
  });

  it("listens on LISTEN_HOST when set, whatever HOSTNAME says (Kubernetes sets HOSTNAME to the pod's name)", () => {
    expect(loadConfig({ HOSTNAME: "user-console-7c9d-x2x4q", LISTEN_HOST: "0.0.0.0" }).HOSTNAME).toBe("0.0.0.0");
    expect(loadConfig({ HOSTNAME: "0.0.0.0" }).HOSTNAME).toBe("0.0.0.0");
    expect(loadConfig({ HOSTNAME: "0.0.0.0", LISTEN_HOST: "" }).HOSTNAME).toBe("0.0.0.0");
  });

  it("sends webhooks to public addresses only, on Svix's retry schedule, unless told otherwise", () => {
    expect(loadConfig({})).toMatchObject({
      WEBHOOK_ALLOW_PRIVATE_CIDRS: "",
      WEBHOOK_RETRY_SCHEDULE: [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000],
      WEBHOOK_TIMEOUT_MS: 10_000,
      WEBHOOK_CONCURRENCY: 4,
    });
    expect(loadConfig({ WEBHOOK_RETRY_SCHEDULE: "50ms,1s", WEBHOOK_ALLOW_PRIVATE_CIDRS: "127.0.0.0/8, fd00::/8" })).toMatchObject({
      WEBHOOK_RETRY_SCHEDULE: [50, 1_000],
      WEBHOOK_ALLOW_PRIVATE_CIDRS: "127.0.0.0/8, fd00::/8",
    });
  });

  it("treats an empty DATABASE_URL as unset", () => {
    expect(loadConfig({ DATABASE_URL: "" }).DATABASE_URL).toBeUndefined();
  });
});
