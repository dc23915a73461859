import { parse } from "csv-parse/sync";
import { describe, expect, it, vi } from "vitest";

import type { User } from "../domain/user";
import type { UserPages } from "../use-cases/export-users";
import { usersCsv, usersCsvStream } from "./csv";

const HEADER = "id,email,name,role,status,createdAt,updatedAt,deletedAt";
const at = new Date("2026-11-25T09:00:00.000Z");

function user(name: string, overrides: Partial<User> = {}): User {
  return { id: "0195f3c2-8a4b-7c1d-9e2f-3a4b5c6d7e8f", email: "ada@example.com", name, role: "VIEWER", status: "ACTIVE", createdAt: at, updatedAt: at, version: 1, deletedAt: null, ...overrides };
}

/** The name field as written, and as a CSV parser reads it back. */
function nameCell(name: string) {
  const line = usersCsv([user(name)], { header: false });
  const rows: string[][] = parse(line, { record_delimiter: "\r\n" });
  return { line, parsed: rows[0]?.[2] };
}

describe("usersCsv", () => {
  it.each([
    ["=cmd|' /C calc'!A0", `"'=cmd|' /C calc'!A0"`],
    ["+1", `"'+1"`],
    ["-2", `"'-2"`],
    ["@SUM(1)", `"'@SUM(1)"`],
    ["\tleading tab", `"'\tleading tab"`],
    ["\rleading CR", `"'\rleading CR"`],
    ["\uFF1D1+1", `"'\uFF1D1+1"`],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
  ])("writes the formula cell %j with a quote prefix, quoted: %s", (name, written) => {
    const { line, parsed } = nameCell(name);
    expect(line).toContain(`,${written},`);
    expect(parsed).toBe(`'${name}`);
  });

  it.each([
    ["Lovelace, Ada", `"Lovelace, Ada"`],
    ['Ada "the Countess"', `"Ada ""the Countess"""`],
    ["two\nlines", `"two\nlines"`],
    ["two\r\nlines", `"two\r\nlines"`],
    ["mid=formula", "mid=formula"],
    ["Grace Hopper", "Grace Hopper"],
  ])("quotes only what RFC 4180 needs: %j as %s, and it parses back unchanged", (name, written) => {
    const { line, parsed } = nameCell(name);
    expect(line).toContain(`,${written},`);
    expect(parsed).toBe(name);
  });

  it("writes the header row, CRLF line ends, ISO timestamps and an empty deletedAt for a live user", () => {
    const deleted = new Date("2026-11-26T10:00:00.000Z");
    expect(usersCsv([user("Ada"), user("Bob", { deletedAt: deleted, role: "ADMIN" })], { header: true })).toBe(
      `${HEADER}\r\n` +
        "0195f3c2-8a4b-7c1d-9e2f-3a4b5c6d7e8f,ada@example.com,Ada,VIEWER,ACTIVE,2026-11-25T09:00:00.000Z,2026-11-25T09:00:00.000Z,\r\n" +
        "0195f3c2-8a4b-7c1d-9e2f-3a4b5c6d7e8f,ada@example.com,Bob,ADMIN,ACTIVE,2026-11-25T09:00:00.000Z,2026-11-25T09:00:00.000Z,2026-11-26T10:00:00.000Z\r\n",
    );
  });

  it("writes the header alone for no users, and nothing without the header", () => {
    expect(usersCsv([], { header: true })).toBe(`${HEADER}\r\n`);
    expect(usersCsv([], { header: false })).toBe("");
  });
});

/** Pages served by hand: counts how many were asked for; `fail` makes page `n` (1-based) reject. */
function pagesOf(pages: User[][], options: { fail?: number } = {}) {
  let asked = 0;
  const returned = vi.fn();
  const iterator: UserPages = {
    async next() {
      asked++;
      if (asked === options.fail) throw new Error("connection reset");
      const page = pages[asked - 1];
      return page === undefined ? { done: true, value: undefined } : { done: false, value: page };
    },
    async return() {
      returned();
      return { done: true, value: undefined };
    },
  };
  return { iterator, asked: () => asked, returned };
}

const hooks = () => ({ onCancel: vi.fn(), onError: vi.fn() });

describe("usersCsvStream", () => {
  it("writes the header once, then every page, and ends", async () => {
    const { iterator } = pagesOf([[user("a"), user("b")], [user("c")]]);
    const text = await new Response(usersCsvStream(iterator, hooks())).text();
    const rows: Record<string, string>[] = parse(text, { columns: true, record_delimiter: "\r\n" });
    expect(rows.map((row) => row.name)).toEqual(["a", "b", "c"]);
    expect(text.match(/^id,/gm)).toHaveLength(1);
  });

  it("is pulled: a page is fetched only when the reader has taken the one before (one page ahead)", async () => {
    const { iterator, asked } = pagesOf(Array.from({ length: 10 }, (_, i) => [user(`u${i}`)]));
    const reader = usersCsvStream(iterator, hooks()).getReader();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(asked()).toBe(1); // the queue of one chunk is full: nothing more is read until someone reads
    await reader.read();
    await reader.read();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(asked()).toBe(3);
    await reader.cancel();
  });

  it("on a failing page: reports it with the rows already written, and errors the stream (the transfer is cut)", async () => {
    const { iterator } = pagesOf([[user("a"), user("b")], [user("c")], [user("d")]], { fail: 3 });
    const streamHooks = hooks();
    await expect(new Response(usersCsvStream(iterator, streamHooks)).text()).rejects.toThrow("connection reset");
    expect(streamHooks.onError).toHaveBeenCalledWith(expect.objectContaining({ message: "connection reset" }), 3);
    expect(streamHooks.onCancel).not.toHaveBeenCalled();
  });

  it("when the reader cancels: tells the caller, ends the pages, reads none further", async () => {
    const { iterator, asked, returned } = pagesOf(Array.from({ length: 10 }, (_, i) => [user(`u${i}`)]));
    const streamHooks = hooks();
    const reader = usersCsvStream(iterator, streamHooks).getReader();
    await reader.read();
    await reader.cancel("client went away");
    const before = asked();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(streamHooks.onCancel).toHaveBeenCalledWith("client went away");
    expect(returned).toHaveBeenCalled();
    expect(asked()).toBe(before);
    expect(streamHooks.onError).not.toHaveBeenCalled();
  });
});
