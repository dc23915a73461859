/**
 * The users REST API (issue 5), as services and the UI call it: one suite, run in memory (users-api.test.ts)
 * and on PGlite and PostgreSQL (users-api.integration.test.ts). Tests share one app per run, so each works on
 * users of its own: their emails carry a tag unique to the test, and listings search for it.
 */
import { beforeAll, describe, expect, it } from "vitest";

import { signedInStaff, taggedUsers } from "../support/api-accounts";
import type { createApiHarness } from "../support/api-harness";

type Harness = Awaited<ReturnType<typeof createApiHarness>>;
const PASSWORD = "correct horse battery";

export function describeUsersApi(name: string, harness: () => Harness) {
  describe(`users REST API (${name})`, () => {
    let api: Harness;
    let admin: string;
    let editor: string;
    let viewer: string;

    beforeAll(async () => {
      api = harness();
      ({ admin, editor, viewer } = await signedInStaff(api, PASSWORD));
    });

    const tagged = () => taggedUsers(api);

    async function list(query: string, cookie = admin) {
      const response = await api.call("GET", `/api/v1/users?${query}`, { cookie });
      return { response, body: response.status === 200 ? await response.json() : await response.json() };
    }

    const emails = (body: { items: { email: string }[] }) => body.items.map((user) => user.email.split(".")[0]);

    describe("GET /users", () => {
      it("filters by q (case-insensitive, email or name), repeated role and status, and counts the total", async () => {
        const { tag, make } = tagged();
        await make("ada", { role: "ADMIN", name: "Ada Lovelace" });
        await make("bob", { role: "EDITOR" });
        await make("cy", { role: "VIEWER", status: "DISABLED" });
        await make("dee", { role: "VIEWER", name: `Dee ${tag.toUpperCase()}` });

        const all = await list(`q=${tag.toUpperCase()}&sort=email`);
        expect(all.response.status).toBe(200);
        expect(emails(all.body)).toEqual(["ada", "bob", "cy", "dee"]);
        expect(all.body.total).toEqual({ count: 4, exact: true });

        const byName = await list(`q=LOVELACE`);
        expect(byName.body.items.map((u: { name: string }) => u.name)).toContain("Ada Lovelace");

        const roles = await list(`q=${tag}&role=ADMIN&role=EDITOR&sort=email`);
        expect(emails(roles.body)).toEqual(["ada", "bob"]);
        expect(roles.body.total).toEqual({ count: 2, exact: true });

        const status = await list(`q=${tag}&status=DISABLED`);
        expect(emails(status.body)).toEqual(["cy"]);
      });

      it("sorts by name or email either way, and pages by cursor with the same filter", async () => {
        const { tag, make } = tagged();
        for (const local of ["e", "a", "d", "b", "c"]) await make(local, { name: `Name ${local}` });
        expect(emails((await list(`q=${tag}&sort=-name`)).body)).toEqual(["e", "d", "c", "b", "a"]);
        expect(emails((await list(`q=${tag}&sort=email`)).body)).toEqual(["a", "b", "c", "d", "e"]);

        const first = await list(`q=${tag}&sort=email&limit=2`);
        expect(emails(first.body)).toEqual(["a", "b"]);
        expect(first.body.total).toEqual({ count: 5, exact: true });
        const second = await list(`q=${tag}&sort=email&limit=2&cursor=${first.body.nextCursor}`);
        expect(emails(second.body)).toEqual(["c", "d"]);
        const back = await list(`q=${tag}&sort=email&limit=2&cursor=${second.body.prevCursor}`);
        expect(emails(back.body)).toEqual(["a", "b"]);
        // A cursor belongs to its sort.
        const other = await list(`q=${tag}&sort=-email&limit=2&cursor=${first.body.nextCursor}`);
        expect(other.response.status).toBe(400);
        expect(other.body.code).toBe("INVALID_CURSOR");
      });

      it("refuses bad parameters naming them: limit past 200, an unknown sort, role or status", async () => {
        for (const [query, mentions] of [
          ["limit=201", "limit"],
          ["limit=0", "limit"],
          ["sort=password", "sort"],
          ["role=ROOT", "role"],
          ["status=GONE", "status"],
          ["includeDeleted=yes", "includeDeleted"],
          ["q=a&q=b", "q"],
        ] as const) {
          const { response, body } = await list(query);
          expect(response.status, query).toBe(422);
          expect(body.code).toBe("VALIDATION_FAILED");
          expect(body.detail, query).toContain(mentions);
        }
        expect((await list("limit=200")).response.status).toBe(200);
      });

      it("lists deleted users only with includeDeleted, and only for an ADMIN", async () => {
        const { tag, make } = tagged();
        const gone = await make("gone");
        await make("here");
        const etag = (await api.call("GET", `/api/v1/users/${gone.id}`, { cookie: admin })).headers.get("etag") ?? "";
        expect((await api.call("DELETE", `/api/v1/users/${gone.id}`, { cookie: admin, headers: { "if-match": etag } })).status).toBe(204);

        expect(emails((await list(`q=${tag}`)).body)).toEqual(["here"]);
        const withDeleted = await list(`q=${tag}&includeDeleted=true&sort=email`);
        expect(emails(withDeleted.body)).toEqual(["gone", "here"]);
        expect(withDeleted.body.items[0].deletedAt).toEqual(expect.any(String));
        expect(withDeleted.body.total).toEqual({ count: 2, exact: true });

        const refused = await list(`q=${tag}&includeDeleted=true`, editor);
        expect(refused.response.status).toBe(403);
        expect(refused.body.code).toBe("FORBIDDEN");
      });
    });

    describe("input any service may get wrong", () => {
      it("refuses an unknown query parameter by name instead of ignoring it", async () => {
        const { response, body } = await list("search=ada&page_size=1");
        expect(response.status).toBe(422);
        expect(body.detail).toContain("search");
        expect(body.detail).toContain("page_size");
      });

      it("refuses NUL characters anywhere in a request with 422 (the database cannot store them)", async () => {
        const { tag } = tagged();
        expect((await list("q=%00")).response.status).toBe(422);
        const created = await api.call("POST", "/api/v1/users", { cookie: admin, body: { email: `nul.${tag}@example.com`, name: "a\u0000b" } });
        expect(created.status).toBe(422);
        expect((await created.json()).errors).toEqual([{ path: ["name"], message: expect.stringContaining("NUL") }]);
        const signIn = await api.call("POST", "/api/v1/session", { body: { email: "x\u0000@example.com", password: "whatever it is" } });
        expect(signIn.status).toBe(422);
      });

      it("tells a caller whose token is unknown that the token is the problem", async () => {
        const response = await api.call("GET", "/api/v1/users", { bearer: "uct_not-a-token-we-issued" });
        expect(response.status).toBe(401);
        expect(response.headers.get("www-authenticate")).toContain('error="invalid_token"');
        expect((await response.json()).detail).toMatch(/token is not valid/);
      });
    });

    describe("POST /users", () => {
      it("creates a user an ADMIN can then invite to set a password; someone who has one cannot be invited", async () => {
        const { tag } = tagged();
        const email = `later.${tag}@example.com`;
        const created = await api.call("POST", "/api/v1/users", { cookie: admin, body: { email, name: "Later" } });
        expect(created.status).toBe(201);
        const invited = await api.call("POST", "/api/v1/invitations", { cookie: admin, body: { email, name: "Later", role: "EDITOR" } });
        expect(invited.status).toBe(201);
        const { user, invitationUrl } = await invited.json();
        expect(user).toMatchObject({ id: (await created.json()).id, status: "INVITED", role: "EDITOR" });
        const token = decodeURIComponent(String(invitationUrl).split("/").at(-1) ?? "");
        expect((await api.call("POST", "/api/v1/invitations/accept", { body: { token, password: PASSWORD } })).status).toBe(200);
        await expect(api.signIn(email, PASSWORD)).resolves.toContain("session");
        const again = await api.call("POST", "/api/v1/invitations", { cookie: admin, body: { email, name: "Later", role: "EDITOR" } });
        expect(again.status).toBe(409);
      });

      it("creates a user: 201 with Location and ETag, readable there, audited", async () => {
        const { tag } = tagged();
        const response = await api.call("POST", "/api/v1/users", {
          cookie: admin,
          body: { email: `New.${tag}@Example.com`, name: "New Person", role: "EDITOR" },
        });
        expect(response.status).toBe(201);
        const user = await response.json();
        expect(user).toMatchObject({ email: `new.${tag}@example.com`, name: "New Person", role: "EDITOR", status: "ACTIVE", version: 1 });
        expect(response.headers.get("location")).toBe(`/api/v1/users/${user.id}`);
        expect(response.headers.get("etag")).toBe('"1"');
        const read = await api.call("GET", response.headers.get("location") ?? "", { cookie: viewer });
        expect(await read.json()).toEqual(user);
        const audit = await api.call("GET", `/api/v1/audit-events?targetId=${user.id}`, { cookie: admin });
        expect((await audit.json()).items).toEqual([expect.objectContaining({ action: "user.created" })]);
      });

      it("refuses a taken email (409), a status of INVITED (422), and roles the caller may not give (403)", async () => {
        const { tag, make } = tagged();
        await make("taken");
        const post = (cookie: string, body: object) => api.call("POST", "/api/v1/users", { cookie, body });
        const taken = await post(admin, { email: `TAKEN.${tag}@example.com`, name: "Again" });
        expect(taken.status).toBe(409);
        expect((await taken.json()).code).toBe("USER_EMAIL_TAKEN");
        expect((await post(admin, { email: `inv.${tag}@example.com`, name: "I", status: "INVITED" })).status).toBe(422);
        expect((await post(editor, { email: `adm.${tag}@example.com`, name: "A", role: "ADMIN" })).status).toBe(403);
        expect((await post(editor, { email: `ed.${tag}@example.com`, name: "E", role: "EDITOR" })).status).toBe(403);
        expect((await post(editor, { email: `vw.${tag}@example.com`, name: "V" })).status).toBe(201);
        expect((await post(viewer, { email: `no.${tag}@example.com`, name: "N" })).status).toBe(403);
      });

      it("replays the first answer for the same Idempotency-Key and body, and refuses the key with another body", async () => {
        const { tag } = tagged();
        const key = `key-${tag}`;
        const post = (body: object, headers: Record<string, string> = { "idempotency-key": key }, cookie = admin) =>
          api.call("POST", "/api/v1/users", { cookie, body, headers });
        const body = { email: `once.${tag}@example.com`, name: "Once", role: "VIEWER" };

        const first = await post(body);
        expect(first.status).toBe(201);
        expect(first.headers.get("idempotent-replayed")).toBeNull();
        const created = await first.json();
        // Field order differs: still the same request.
        const again = await post({ role: "VIEWER", name: "Once", email: `once.${tag}@example.com` });
        expect(again.status).toBe(201);
        expect(again.headers.get("idempotent-replayed")).toBe("true");
        expect(again.headers.get("location")).toBe(first.headers.get("location"));
        expect(await again.json()).toEqual(created);
        expect((await list(`q=${tag}`)).body.total.count).toBe(1);

        const other = await post({ ...body, name: "Someone else" });
        expect(other.status).toBe(422);
        expect(await other.json()).toMatchObject({ code: "IDEMPOTENCY_KEY_REUSED" });

        // Keys belong to their caller: the same key from someone else is a request of its own (here: email taken).
        expect((await post(body, { "idempotency-key": key }, editor)).status).toBe(409);
        expect((await post(body, { "idempotency-key": "has space" })).status).toBe(422);
      });

      it("creates once when retries with the same key race each other", async () => {
        const { tag } = tagged();
        const body = { email: `race.${tag}@example.com`, name: "Race" };
        const responses = await Promise.all(
          Array.from({ length: 6 }, () =>
            api.call("POST", "/api/v1/users", { cookie: admin, body, headers: { "idempotency-key": `race-${tag}` } }),
          ),
        );
        expect(responses.map((response) => response.status)).toEqual(Array(6).fill(201));
        const ids = new Set(await Promise.all(responses.map(async (response) => (await response.json()).id)));
        expect(ids.size).toBe(1);
        expect(responses.filter((response) => response.headers.get("idempotent-replayed") === "true")).toHaveLength(5);
      });
    });

    describe("conditional requests", () => {
      it("GET answers 304 for If-None-Match naming the current ETag (weak, listed or *), 200 once it changed", async () => {
        const { make } = tagged();
        const user = await make("cond");
        const get = (ifNoneMatch: string) =>
          api.call("GET", `/api/v1/users/${user.id}`, { cookie: viewer, headers: { "if-none-match": ifNoneMatch } });
        for (const header of ['"1"', 'W/"1"', '"7", "1"', "*"]) {
          const response = await get(header);
          expect(response.status, header).toBe(304);
          expect(response.headers.get("etag")).toBe('"1"');
          expect(await response.text()).toBe("");
        }
        expect((await get('"2"')).status).toBe(200);
        await api.call("PATCH", `/api/v1/users/${user.id}`, { cookie: admin, body: { name: "Changed" }, headers: { "if-match": '"1"' } });
        const changed = await get('"1"');
        expect(changed.status).toBe(200);
        expect(changed.headers.get("etag")).toBe('"2"');
      });

      it("PATCH takes a JSON merge patch, requires If-Match (428) and refuses a stale one (412)", async () => {
        const { make } = tagged();
        const user = await make("patch");
        const patch = (body: string, headers: Record<string, string>) =>
          api.call("PATCH", `/api/v1/users/${user.id}`, { cookie: admin, rawBody: body, headers });
        const mergePatch = { "content-type": "application/merge-patch+json" };

        const missing = await patch('{"name":"X"}', mergePatch);
        expect(missing.status).toBe(428);
        expect(await missing.json()).toMatchObject({ code: "PRECONDITION_REQUIRED" });

        const ok = await patch('{"name":"Merged","status":"DISABLED"}', { ...mergePatch, "if-match": '"1"' });
        expect(ok.status).toBe(200);
        expect(await ok.json()).toMatchObject({ name: "Merged", status: "DISABLED", version: 2 });
        expect(ok.headers.get("etag")).toBe('"2"');

        const stale = await patch('{"name":"Late"}', { ...mergePatch, "if-match": '"1"' });
        expect(stale.status).toBe(412);
        expect(await stale.json()).toMatchObject({ code: "USER_VERSION_CONFLICT" });
        // The refusal names the version that won.
        expect(stale.headers.get("etag")).toBe('"2"');

        // If-Match compares strongly: a weak tag, a bare number or a list is refused with what to send instead.
        for (const [ifMatch, hint] of [['W/"2"', "without W/"], ["2", 'If-Match: "2"'], ['"1", "2"', "one ETag"]] as const) {
          const refused = await patch('{"name":"X"}', { ...mergePatch, "if-match": ifMatch });
          expect(refused.status, ifMatch).toBe(422);
          expect((await refused.json()).detail).toContain(hint);
        }

        // Merge patch's null removes a member; every member here is required.
        expect((await patch('{"name":null}', { ...mergePatch, "if-match": '"2"' })).status).toBe(422);
        // `*`: whatever version is current.
        const any = await patch('{"name":"Star"}', { ...mergePatch, "if-match": "*" });
        expect(any.status).toBe(200);
        expect(await any.json()).toMatchObject({ name: "Star", version: 3 });
        expect((await patch("name=x", { "content-type": "application/x-www-form-urlencoded", "if-match": '"2"' })).status).toBe(415);
        const role = await api.call("PATCH", `/api/v1/users/${user.id}`, { cookie: editor, body: { role: "EDITOR" }, headers: { "if-match": '"3"' } });
        expect(role.status).toBe(403);
      });

      it("DELETE needs If-Match and soft-deletes; restore brings the user back at a new version", async () => {
        const { make } = tagged();
        const user = await make("del");
        const url = `/api/v1/users/${user.id}`;
        expect((await api.call("DELETE", url, { cookie: admin })).status).toBe(428);
        expect((await api.call("DELETE", url, { cookie: admin, headers: { "if-match": '"9"' } })).status).toBe(412);
        expect((await api.call("DELETE", url, { cookie: admin, headers: { "if-match": '"1"' } })).status).toBe(204);
        expect((await api.call("GET", url, { cookie: admin })).status).toBe(404);
        const restored = await api.call("POST", `${url}/restore`, { cookie: admin });
        expect(restored.status).toBe(200);
        expect(await restored.json()).toMatchObject({ id: user.id, deletedAt: null, version: 3 });
        expect(restored.headers.get("etag")).toBe('"3"');
        expect((await api.call("POST", `${url}/restore`, { cookie: admin })).status).toBe(404);
      });
    });

    describe("a leaked ADMIN token (issue 18)", () => {
      // The attack: a script's ADMIN token, leaked, used to leave behind a person with ADMIN who outlives the
      // token's revocation. Each route that could make an account ADMIN is tried; each must refuse.
      let token: string;
      beforeAll(async () => {
        const created = await api.call("POST", "/api/v1/tokens", { cookie: admin, body: { name: "leaked", role: "ADMIN" } });
        expect(created.status).toBe(201);
        token = (await created.json()).secret;
      });

      const refusal = async (response: Response) => ({ status: response.status, code: (await response.json()).code });
      const forbidden = { status: 403, code: "FORBIDDEN" };

      it("cannot invite anyone: an ADMIN, or a VIEWER to promote later", async () => {
        const { tag } = tagged();
        for (const role of ["ADMIN", "VIEWER"] as const) {
          const invited = await api.call("POST", "/api/v1/invitations", {
            bearer: token,
            body: { email: `${role}.${tag}@example.com`, name: "Mallory", role },
          });
          expect(await refusal(invited), role).toEqual(forbidden);
        }
        expect((await list(`q=${tag}`)).body.items).toEqual([]);
      });

      it("cannot create an ADMIN, nor make one by PATCH, bulk set-role, enabling or restoring one", async () => {
        const { tag, make } = tagged();
        const created = await api.call("POST", "/api/v1/users", {
          bearer: token,
          body: { email: `new.${tag}@example.com`, name: "New", role: "ADMIN", status: "ACTIVE" },
        });
        expect(await refusal(created)).toEqual(forbidden);

        const viewer = await make("viewer");
        const patched = await api.call("PATCH", `/api/v1/users/${viewer.id}`, {
          bearer: token,
          body: { role: "ADMIN" },
          headers: { "if-match": "*" },
        });
        expect(await refusal(patched)).toEqual(forbidden);
        const setRole = await api.call("POST", "/api/v1/users/bulk", {
          bearer: token,
          body: { action: "set-role", role: "ADMIN", ids: [viewer.id] },
        });
        expect(await refusal(setRole)).toEqual(forbidden);

        const disabledAdmin = await make("disabled", { role: "ADMIN", status: "DISABLED" });
        const enabled = await api.call("PATCH", `/api/v1/users/${disabledAdmin.id}`, {
          bearer: token,
          body: { status: "ACTIVE" },
          headers: { "if-match": "*" },
        });
        expect(await refusal(enabled)).toEqual(forbidden);
        const bulkEnabled = await api.call("POST", "/api/v1/users/bulk", {
          bearer: token,
          body: { action: "enable", ids: [disabledAdmin.id] },
        });
        expect(bulkEnabled.status).toBe(200);
        expect((await bulkEnabled.json()).failed).toEqual([expect.objectContaining({ id: disabledAdmin.id, code: "FORBIDDEN" })]);

        const deletedAdmin = await make("deleted", { role: "ADMIN" });
        const gone = await api.call("DELETE", `/api/v1/users/${deletedAdmin.id}`, { cookie: admin, headers: { "if-match": "*" } });
        expect(gone.status).toBe(204);
        expect(await refusal(await api.call("POST", `/api/v1/users/${deletedAdmin.id}/restore`, { bearer: token }))).toEqual(forbidden);

        // Nothing changed: the only ADMINs of the tag are the disabled one and the deleted one, as they were.
        const admins = await list(`q=${tag}&role=ADMIN&status=ACTIVE&includeDeleted=true`);
        expect(admins.body.items.map((user: { email: string; deletedAt: string | null }) => [user.email.split(".")[0], user.deletedAt !== null])).toEqual([
          ["deleted", true],
        ]);
        expect((await api.call("GET", `/api/v1/users/${viewer.id}`, { cookie: admin }).then((r) => r.json())).role).toBe("VIEWER");
      });

      it("still does what an ADMIN token may: create, rename and disable users who are not ADMIN", async () => {
        const { tag, make } = tagged();
        const created = await api.call("POST", "/api/v1/users", {
          bearer: token,
          body: { email: `editor.${tag}@example.com`, name: "Editor", role: "EDITOR", status: "ACTIVE" },
        });
        expect(created.status).toBe(201);
        const viewer = await make("viewer");
        const patched = await api.call("PATCH", `/api/v1/users/${viewer.id}`, {
          bearer: token,
          body: { name: "Renamed", role: "EDITOR", status: "DISABLED" },
          headers: { "if-match": "*" },
        });
        expect(patched.status).toBe(200);
        // And a signed-in ADMIN still may make an ADMIN: the limit is the token's, not the role's.
        const promoted = await api.call("PATCH", `/api/v1/users/${viewer.id}`, {
          cookie: admin,
          body: { role: "ADMIN" },
          headers: { "if-match": "*" },
        });
        expect(promoted.status).toBe(200);
      });
    });

    describe("API tokens belong to their owner (issue 18)", () => {
      /** An ADMIN of their own, signed in, with an ADMIN token they made. */
      async function adminWithToken(tag: string) {
        const email = `owner.${tag}@staff.example`;
        const owner = await api.createUser({ email, role: "ADMIN", password: PASSWORD });
        const cookie = await api.signIn(email, PASSWORD);
        const created = await api.call("POST", "/api/v1/tokens", { cookie, body: { name: `script ${tag}`, role: "ADMIN" } });
        expect(created.status).toBe(201);
        const body = await created.json();
        const works = async () => (await api.call("GET", "/api/v1/users?limit=1", { bearer: body.secret })).status;
        expect(await works()).toBe(200);
        return { owner, token: body.token, works };
      }

      it.each([
        ["demoted by PATCH", { method: "PATCH", body: { role: "EDITOR" } }],
        ["disabled by PATCH", { method: "PATCH", body: { status: "DISABLED" } }],
        ["deleted", { method: "DELETE" }],
        ["demoted in bulk", { method: "BULK", body: { action: "set-role", role: "VIEWER" } }],
        ["disabled in bulk", { method: "BULK", body: { action: "disable" } }],
      ] as const)("an owner %s loses their tokens at once", async (_, change) => {
        const { tag } = tagged();
        const { owner, token, works } = await adminWithToken(tag);
        const response =
          change.method === "BULK"
            ? await api.call("POST", "/api/v1/users/bulk", { cookie: admin, body: { ...change.body, ids: [owner.id] } })
            : await api.call(change.method, `/api/v1/users/${owner.id}`, {
                cookie: admin,
                headers: { "if-match": "*" },
                ...("body" in change && { body: change.body }),
              });
        expect(response.status).toBeLessThan(300);
        if (change.method === "BULK") expect((await response.json()).succeeded).toBe(1);
        expect(await works()).toBe(401);
        const listed = (await (await api.call("GET", "/api/v1/tokens", { cookie: admin })).json()).items;
        expect(listed.find((item: { id: string }) => item.id === token.id)).toMatchObject({ ownerId: owner.id, revokedAt: expect.any(String) });
        // Promoted or enabled again, they get none back.
        if (change.method === "PATCH") {
          await api.call("PATCH", `/api/v1/users/${owner.id}`, { cookie: admin, headers: { "if-match": "*" }, body: { role: "ADMIN", status: "ACTIVE" } });
          expect(await works()).toBe(401);
        }
      });

      it("keeps an owner's tokens through changes that leave them an active ADMIN, and lists owner and expiry", async () => {
        const { tag } = tagged();
        const { owner, token, works } = await adminWithToken(tag);
        expect((await api.call("PATCH", `/api/v1/users/${owner.id}`, { cookie: admin, headers: { "if-match": "*" }, body: { name: "Renamed" } })).status).toBe(200);
        expect(await works()).toBe(200);
        const listed = (await (await api.call("GET", "/api/v1/tokens", { cookie: admin })).json()).items;
        expect(listed.find((item: { id: string }) => item.id === token.id)).toMatchObject({
          ownerId: owner.id,
          owner: { id: owner.id, email: owner.email, name: "Renamed" },
          revokedAt: null,
        });
      });

      it("every token expires: none asked for is the longest allowed (90 days), a later one is 422", async () => {
        const before = Date.now();
        const created = await api.call("POST", "/api/v1/tokens", { cookie: admin, body: { name: "no expiry asked", role: "VIEWER" } });
        expect(created.status).toBe(201);
        const { token } = await created.json();
        const day = 24 * 60 * 60_000;
        // The harness may run on a clock of its own: only the distance from creation is checked.
        const [expiresAt, createdAt] = [Date.parse(token.expiresAt), Date.parse(token.createdAt)];
        expect(expiresAt - createdAt).toBe(90 * day);
        const tooLate = await api.call("POST", "/api/v1/tokens", {
          cookie: admin,
          body: { name: "forever", role: "VIEWER", expiresAt: new Date(Math.max(before, createdAt) + 91 * day).toISOString() },
        });
        expect(tooLate.status).toBe(422);
        expect((await tooLate.json()).code).toBe("TOKEN_LIFETIME_TOO_LONG");
      });
    });
  });
}
