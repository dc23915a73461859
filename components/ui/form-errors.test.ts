import { describe, expect, it } from "vitest";

import { ApiError } from "@/components/data/api";
import { checkFields, checkForm, hasFieldErrors, serverFieldErrors } from "./form-errors";
import { inviteBody } from "@/lib/api-contract/invitations";
import { patchUserBody } from "@/lib/api-contract/users";

const INVITE_FIELDS = ["email", "name", "role"] as const;

describe("checkForm: the API's own schema, checked in the browser", () => {
  it("gives the first message of each field the form has", () => {
    const checked = checkForm(inviteBody, { email: "not an email", name: "  ", role: "VIEWER" }, INVITE_FIELDS);
    expect(checked).toEqual({ ok: false, fields: { email: "Enter an email address", name: "Enter a name" }, form: [] });
  });

  it("keeps a message about the whole body (no field) for the form", () => {
    const checked = checkForm(patchUserBody, {}, ["name", "role", "status"]);
    expect(checked).toEqual({ ok: false, fields: {}, form: ["Send at least one of name, role, status"] });
  });

  it("returns the parsed body (trimmed) when it is valid", () => {
    expect(checkForm(inviteBody, { email: "a@example.com", name: " Ada ", role: "EDITOR" }, INVITE_FIELDS)).toEqual({
      ok: true,
      data: { email: "a@example.com", name: "Ada", role: "EDITOR" },
    });
  });
});

describe("serverFieldErrors: the API's answer under the same fields", () => {
  it("puts USER_EMAIL_TAKEN under the email", () => {
    const taken = new ApiError({ status: 409, title: "x", detail: "A user with email a@example.com already exists", code: "USER_EMAIL_TAKEN" });
    expect(serverFieldErrors(taken, INVITE_FIELDS)).toEqual({ email: "A user with email a@example.com already exists" });
    expect(serverFieldErrors(taken, ["name"])).toEqual({});
  });

  it("puts WRONG_PASSWORD under the current password", () => {
    const wrong = new ApiError({ status: 422, title: "The current password is not correct", detail: "The current password is not correct", code: "WRONG_PASSWORD" });
    expect(serverFieldErrors(wrong, ["currentPassword", "newPassword"])).toEqual({ currentPassword: "The current password is not correct" });
    expect(serverFieldErrors(wrong, ["email"])).toEqual({});
  });

  it("maps errors[] by the first element of their path, and ignores fields the form lacks", () => {
    const invalid = new ApiError({
      status: 422,
      title: "The request is not valid",
      code: "VALIDATION_FAILED",
      errors: [
        { path: ["name"], message: "Too long" },
        { path: ["name"], message: "Second message" },
        { path: ["nickname"], message: "Unknown" },
      ],
    });
    const errors = serverFieldErrors(invalid, INVITE_FIELDS);
    expect(errors).toEqual({ name: "Too long" });
    expect(hasFieldErrors(errors)).toBe(true);
    expect(hasFieldErrors(serverFieldErrors(new Error("network"), INVITE_FIELDS))).toBe(false);
  });
});

describe("checkFields: a form's own rules, as a check", () => {
  it("lets the data through when no field has a message", () => {
    expect(checkFields({ password: undefined }, { token: "t", password: "p" })).toEqual({ ok: true, data: { token: "t", password: "p" } });
  });

  it("stops at the fields' messages", () => {
    expect(checkFields({ confirm: "The two passwords differ" }, { token: "t" })).toEqual({
      ok: false,
      fields: { confirm: "The two passwords differ" },
      form: [],
    });
  });
});
