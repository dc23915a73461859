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
    ["127.0.0.1", undefined, "open"],
    ["127.0.0.1", TOKEN, "token"],
    ["0.0.0.0", TOKEN, "token"],
    ["0.0.0.0", undefined, "off"],
    ["::", undefined, "off"],
  ] as const)("listening on %s with METRICS_TOKEN=%s: %s", (HOSTNAME, METRICS_TOKEN, kind) => {
    expect(metricsAccess({ HOSTNAME, METRICS_TOKEN }).kind).toBe(kind);
  });

  it("says how to turn it on when it is off", () => {
    const access = metricsAccess({ HOSTNAME: "0.0.0.0", METRICS_TOKEN: undefined });
    expect(access.kind === "off" && access.warning).toMatch(/METRICS_TOKEN/);
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
    const { url, close } = await serve(metricsAccess({ HOSTNAME: "0.0.0.0", METRICS_TOKEN: undefined }));
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
