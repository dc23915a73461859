import { describe, expect, it } from "vitest";

import { connectionOptions } from "./nats-jetstream-publisher";

describe("NATS_URL as the NATS client takes it", () => {
  it("lists every server without credentials, and reconnects for as long as it takes", () => {
    expect(connectionOptions("nats://a.example:4222, nats://b.example")).toEqual({
      servers: ["a.example:4222", "b.example:4222"],
      maxReconnectAttempts: -1,
      pingInterval: 10_000,
    });
  });

  it.each([
    ["user and password", "nats://relay:p%40ss@nats.example:4222", { user: "relay", pass: "p@ss" }],
    ["a token", "nats://s3cr3t-token@nats.example:4222", { token: "s3cr3t-token" }],
    ["TLS required", "tls://nats.example:4443", { tls: {} }],
  ])("takes %s from the URL", (_, url, expected) => {
    const options = connectionOptions(url);
    expect(options).toMatchObject(expected);
    // The credentials never stay in the server list (which the client logs and reports).
    expect(options.servers).toEqual([expect.not.stringMatching(/@|relay|s3cr3t/)]);
  });
});
