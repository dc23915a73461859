/**
 * The Webhooks page (issue 20, item 3): an ADMIN adds an endpoint, copies its secret, and sees the delivery of the
 * next change in the endpoint's log. The receiver runs in this test process on loopback, which the e2e server allows
 * (WEBHOOK_ALLOW_PRIVATE_CIDRS in e2e/support/app-server.ts); it verifies each request's signature.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { expect, test } from "@playwright/test";
import { Webhook } from "standardwebhooks";

import { storageStateOf } from "./support/accounts";

test.use({ storageState: storageStateOf("ADMIN") });

const bodies: { body: string; headers: Record<string, string> }[] = [];
let receiver: Server;
test.beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const headers = Object.fromEntries(["webhook-id", "webhook-timestamp", "webhook-signature"].map((name) => [name, String(request.headers[name])]));
      bodies.push({ body: Buffer.concat(chunks).toString("utf8"), headers });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
});
test.afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
});

test("an endpoint added on the page receives the next change, signed, and its log shows the delivery", async ({ page, baseURL }) => {
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/e2e-hook`;
  await page.goto("/webhooks");
  await page.getByRole("button", { name: "Add endpoint" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("URL").fill(url);
  await dialog.getByRole("checkbox").nth(0).check();
  await dialog.getByRole("button", { name: "Add endpoint" }).click();
  await expect(dialog.getByText("Copy its signing secret now")).toBeVisible();
  const secret = await dialog.getByRole("textbox", { name: "Signing secret" }).inputValue();
  expect(secret).toMatch(/^whsec_/);
  await dialog.getByRole("button", { name: "Done" }).click();
  const row = page.getByRole("row").filter({ hasText: url });
  await expect(row.getByText("Enabled")).toBeVisible();
  await expect(row.getByText("user.created")).toBeVisible();

  // A change the endpoint wants: a user created through the API, as this admin.
  const email = `hooked-${Date.now()}@example.com`;
  const created = await page.request.post("/api/v1/users", { data: { email, name: "Hooked", role: "VIEWER" }, headers: { origin: baseURL ?? "" } });
  expect(created.status()).toBe(201);
  const user = (await created.json()) as { id: string };

  await expect.poll(() => bodies.length, { timeout: 15_000 }).toBeGreaterThan(0);
  const event = new Webhook(secret).verify(bodies[0]?.body ?? "", bodies[0]?.headers ?? {}) as { type: string; subject: { id: string } };
  expect(event).toMatchObject({ type: "user.created", subject: { type: "user", id: user.id } });

  await row.getByRole("button", { name: /Deliveries/ }).click();
  const log = page.getByRole("region", { name: `Deliveries to ${url}` });
  const delivery = log.getByRole("row").filter({ hasText: "user.created" });
  await expect(delivery.getByText("Succeeded")).toBeVisible();
  await expect(delivery.getByRole("cell", { name: "204", exact: true })).toBeVisible();
  await delivery.getByRole("button", { name: /Resend/ }).click();
  await expect.poll(() => bodies.length, { timeout: 15_000 }).toBe(2);
  expect(bodies[1]?.headers["webhook-id"]).toBe(bodies[0]?.headers["webhook-id"]);

  // Removed, so the specs after this one do not queue deliveries to a receiver that is gone.
  await row.getByRole("button", { name: /Delete/ }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Delete endpoint" }).click();
  await expect(page.getByText("No endpoints yet.")).toBeVisible();
});
