/**
 * Secrets never leave the process through telemetry (issue 18, item 4): a whole invitation flow (invite, open the
 * link's page, mistyped variants of it, the API under the same path, accept) runs against the built server while
 * it exports every span to a receiver on loopback; then neither any exported span (ours or Next's) nor any line
 * the process printed may contain the invitation's secret. Paths are recorded by route template, with the values
 * of secret parameters masked.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createTestDatabase, type TestDatabase } from "../test/support/postgres";
import { ensureBuild, freePort, startServer, type RunningServer } from "../test/support/built-server";
import { BOOTSTRAP_PASSWORD, firstSignIn, TEST_PASSWORD } from "../test/support/http-accounts";
import { startOtlpReceiver, type OtlpReceiver } from "../test/support/otlp-receiver";

let database: TestDatabase;
let receiver: OtlpReceiver;
let server: RunningServer;

beforeAll(async () => {
  await ensureBuild();
  database = await createTestDatabase("telemetry_secrets");
  receiver = await startOtlpReceiver();
  server = startServer({
    port: await freePort(),
    env: {
      DATABASE_URL: database.url,
      BOOTSTRAP_ADMIN_PASSWORD: BOOTSTRAP_PASSWORD,
      SHUTDOWN_DELAY_MS: "0",
      // Debug: probes' and every other line the server can write are in the output searched below.
      LOG_LEVEL: "debug",
      OTEL_SDK_DISABLED: "false",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_TRACES_SAMPLER: "always_on",
      OTEL_BSP_SCHEDULE_DELAY: "100",
    },
  });
  await server.waitUntilReady();
});
afterAll(async () => {
  server?.child.kill("SIGTERM");
  await server?.exited;
  await receiver?.close();
  await database?.drop();
});

describe("an invitation's secret", () => {
  it("appears in no exported span and no log line during a whole invitation flow", async () => {
    const cookie = await firstSignIn(server.baseUrl);
    const json = { origin: server.baseUrl, "content-type": "application/json" };
    const invited = await fetch(`${server.baseUrl}/api/v1/invitations`, {
      method: "POST",
      headers: { ...json, cookie },
      body: JSON.stringify({ email: "invited@example.com", name: "Invited", role: "VIEWER" }),
    });
    expect(invited.status).toBe(201);
    const { invitationUrl }: { invitationUrl: string } = await invited.json();
    const encoded = invitationUrl.split("/").at(-1) ?? "";
    const secret = decodeURIComponent(encoded);
    expect(secret.length).toBeGreaterThanOrEqual(20);

    // What a browser and a careless person do with the link: open it (the page), with a trailing slash, with a
    // query string, under the API's prefix (a 404), with an extra segment; then accept it.
    const visits = [
      `/invitations/${encoded}`,
      `/invitations/${encoded}/`,
      `/invitations/${encoded}?from=mail`,
      `/api/v1/invitations/${encoded}`,
      `/invitations/${encoded}/x`,
    ];
    for (const visit of visits) {
      const response = await fetch(`${server.baseUrl}${visit}`, { redirect: "manual" });
      expect(response.status, visit).toBeLessThan(500);
      await response.text();
    }
    // And a broken one, which Next fails on (500, its error path): the secret must not ride along there either.
    const broken = await fetch(`${server.baseUrl}/invitations/${encoded}%E0%A4%A`, { redirect: "manual" });
    await broken.text();
    const accept = async () => {
      const response = await fetch(`${server.baseUrl}/api/v1/invitations/accept`, {
        method: "POST",
        headers: json,
        body: JSON.stringify({ token: secret, password: TEST_PASSWORD }),
      });
      await response.text();
      return response.status;
    };
    expect(await accept()).toBe(200);
    // A second use is refused (410): the error path too.
    expect(await accept()).toBe(410);

    // Every request above has been exported: the page's server span, and the last accept's.
    await expect
      .poll(
        () => {
          const routes = receiver.spans().map((span) => span.attributes["http.route"]);
          const accepts = routes.filter((route) => route === "/api/v1/invitations/accept").length;
          return { page: routes.includes("/invitations/[token]"), accepts };
        },
        { timeout: 15_000, interval: 100 },
      )
      .toEqual({ page: true, accepts: 2 });
    // Stop the server, so everything still buffered is flushed and printed.
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);

    const spans = receiver.spans();
    expect(spans.length).toBeGreaterThan(10);
    expect(spans.some((span) => span.scope === "next.js"), "Next's own spans were exported too").toBe(true);
    const output = server.output().split("\n");
    for (const form of new Set([secret, encoded])) {
      const leaking = {
        spans: spans.filter((span) => span.raw.includes(form)).map((span) => `${span.scope} ${span.name}: ${span.raw}`),
        lines: output.filter((line) => line.includes(form)),
      };
      expect(leaking).toEqual({ spans: [], lines: [] });
    }
    // Still useful: the page's server span says which page, with the secret masked in its path.
    const page = spans.find(
      (span) => span.scope === "user-console" && span.attributes["http.route"] === "/invitations/[token]",
    );
    expect(page?.attributes["url.path"]).toBe("/invitations/REDACTED");
  });
});
