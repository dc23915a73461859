import { once } from "node:events";
import { createServer } from "node:http";

import { describe, expect, it } from "vitest";

import { createMetricsEndpoint, isLoopbackHost, metricsAccess, type MetricsAccess } from "./metrics-endpoint";

const TOKEN = "metrics-token-for-tests-0123456789";

describe("who may read /metrics (issue 18, item 11)", () => {
  it.each([
    ["127.0.0.1", true],
    ["127.1.2.3", true],
    ["localhost", true],
    ["::1", true],
    ["[::1]", true],
    ["::ffff:127.0.0.1", true],
    ["0.0.0.0", false],
    ["::", false],
    ["10.0.0.5", false],
    ["192.168.1.10", false],
    ["console.example.com", false],
  ])("%s is loopback: %s", (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });

  it.each([
    ["127.0.0.1", undefined, undefined, "open"],
    ["127.0.0.1", TOKEN, undefined, "token"],
    ["0.0.0.0", TOKEN, undefined, "token"],
    ["0.0.0.0", undefined, undefined, "off"],
    ["::", undefined, undefined, "off"],
    // A port of its own, which no load balancer routes to; the token still applies when set.
    ["0.0.0.0", undefined, 9464, "open"],
    ["0.0.0.0", TOKEN, 9464, "token"],
  ] as const)("listening on %s with METRICS_TOKEN=%s, METRICS_PORT=%s: %s", (HOSTNAME, METRICS_TOKEN, METRICS_PORT, kind) => {
    expect(metricsAccess({ HOSTNAME, METRICS_TOKEN, METRICS_PORT }).kind).toBe(kind);
  });

  it("says how to turn it on when it is off", () => {
    const access = metricsAccess({ HOSTNAME: "0.0.0.0", METRICS_TOKEN: undefined, METRICS_PORT: undefined });
    expect(access.kind === "off" && access.warning).toMatch(/METRICS_TOKEN.*METRICS_PORT/);
  });
});

async function serve(access: MetricsAccess): Promise<{ url: string; close: () => void }> {
  const handle = createMetricsEndpoint({
    exposition: async () => ({ contentType: "text/plain; version=0.0.4", text: "up 1\n" }),
    access,
  });
  const server = createServer((request, response) => {
    void handle(request, response).then((handled) => {
      if (!handled) response.writeHead(418).end();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("not listening on TCP");
  return { url: `http://127.0.0.1:${address.port}/metrics`, close: () => server.close() };
}

describe("GET /metrics as each access answers it", () => {
  it("off: 404 to everyone, with or without a token, and nothing of the metrics", async () => {
    const { url, close } = await serve(metricsAccess({ HOSTNAME: "0.0.0.0", METRICS_TOKEN: undefined, METRICS_PORT: undefined }));
    try {
      const attempts: Record<string, string>[] = [{}, { authorization: `Bearer ${TOKEN}` }];
      for (const headers of attempts) {
        const response = await fetch(url, { headers });
        expect(response.status).toBe(404);
        expect(await response.text()).not.toContain("up 1");
      }
    } finally {
      close();
    }
  });

  it("token: 401 without it or with a wrong one, 200 with it", async () => {
    const { url, close } = await serve({ kind: "token", token: TOKEN });
    try {
      expect((await fetch(url)).status).toBe(401);
      expect((await fetch(url, { headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
      const ok = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect([ok.status, await ok.text()]).toEqual([200, "up 1\n"]);
    } finally {
      close();
    }
  });

  it("open (loopback only): 200 without a token", async () => {
    const { url, close } = await serve({ kind: "open" });
    try {
      const ok = await fetch(url);
      expect([ok.status, await ok.text()]).toEqual([200, "up 1\n"]);
    } finally {
      close();
    }
  });
});
