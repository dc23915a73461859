import { describe, expect, it } from "vitest";

import { IMPORT_MAX_BYTES } from "../../lib/domain/import-job";
import { createApiHarness, fastTestHasher } from "../support/api-harness";
import { describeImportsApi } from "./imports-api.suite";

const api = await createApiHarness({ hasher: fastTestHasher, config: { DB_TIMEOUT_MS: 30_000 } });

describeImportsApi("in memory", () => api);

describe("CSV import limits (in memory)", () => {
  it("answers 413 FILE_TOO_LARGE past 20 MB, as text/csv and as multipart", async () => {
    await api.createUser({ email: "big@staff.example", role: "ADMIN", password: "correct horse battery" });
    const cookie = await api.signIn("big@staff.example", "correct horse battery");
    const big = `email,name\n${"x".repeat(IMPORT_MAX_BYTES)}\n`;
    const plain = await api.call("POST", "/api/v1/imports", { cookie, rawBody: big, headers: { "content-type": "text/csv" } });
    expect(plain.status).toBe(413);
    expect(await plain.json()).toMatchObject({ code: "FILE_TOO_LARGE" });
    const declared = await api.call("POST", "/api/v1/imports", {
      cookie,
      rawBody: "email,name\n",
      headers: { "content-type": "text/csv", "content-length": String(IMPORT_MAX_BYTES + 1) },
    });
    expect(declared.status).toBe(413);
    const multipart = await api.call("POST", "/api/v1/imports", {
      cookie,
      rawBody: `--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n${big}\r\n--b--\r\n`,
      headers: { "content-type": "multipart/form-data; boundary=b" },
    });
    expect(multipart.status).toBe(413);
    // Just under the limit is accepted.
    const fits = `email,name\nfits@example.com,Fits\n`;
    expect((await api.call("POST", "/api/v1/imports", { cookie, rawBody: fits, headers: { "content-type": "text/csv" } })).status).toBe(202);
  });
});
