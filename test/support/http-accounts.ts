/**
 * Accounts on a running server, through its public API only (as a person in a browser would): the bootstrap
 * admin's first sign-in with its one-time password, and invited users of each role.
 */
import type { Role } from "../../lib/domain/user";

export const BOOTSTRAP_PASSWORD = "bootstrap-password-for-tests";
export const TEST_PASSWORD = "correct horse battery staple";

function headers(baseUrl: string, cookie?: string): Record<string, string> {
  return { origin: baseUrl, "content-type": "application/json", ...(cookie ? { cookie } : {}) };
}

async function expectStatus(response: Response, status: number, what: string): Promise<Response> {
  if (response.status !== status) throw new Error(`${what}: expected ${status}, got ${response.status} ${await response.text()}`);
  return response;
}

export async function signIn(baseUrl: string, email: string, password: string): Promise<string> {
  const response = await fetch(`${baseUrl}/api/v1/session`, {
    method: "POST",
    headers: headers(baseUrl),
    body: JSON.stringify({ email, password }),
  });
  await expectStatus(response, 200, `sign-in of ${email}`);
  const pair = response.headers.get("set-cookie")?.split(";")[0];
  if (!pair) throw new Error("sign-in set no cookie");
  return pair;
}

/** Signs the bootstrap admin in with the one-time password and sets TEST_PASSWORD; returns the session cookie. */
export async function firstSignIn(
  baseUrl: string,
  { email = "admin@example.com", oneTimePassword = BOOTSTRAP_PASSWORD } = {},
): Promise<string> {
  const cookie = await signIn(baseUrl, email, oneTimePassword);
  await expectStatus(
    await fetch(`${baseUrl}/api/v1/session/password`, {
      method: "PUT",
      headers: headers(baseUrl, cookie),
      body: JSON.stringify({ currentPassword: oneTimePassword, newPassword: TEST_PASSWORD }),
    }),
    204,
    "changing the one-time password",
  );
  return cookie;
}

/** Invites a user of `role`, accepts the invitation with TEST_PASSWORD, signs them in; returns their cookie. */
export async function invitedUser(baseUrl: string, adminCookie: string, email: string, role: Role): Promise<string> {
  const invited = await expectStatus(
    await fetch(`${baseUrl}/api/v1/invitations`, {
      method: "POST",
      headers: headers(baseUrl, adminCookie),
      body: JSON.stringify({ email, name: `${role.toLowerCase()} user`, role }),
    }),
    201,
    `inviting ${email}`,
  );
  const { invitationUrl }: { invitationUrl: string } = await invited.json();
  const token = decodeURIComponent(invitationUrl.split("/").at(-1) ?? "");
  await expectStatus(
    await fetch(`${baseUrl}/api/v1/invitations/accept`, {
      method: "POST",
      headers: headers(baseUrl),
      body: JSON.stringify({ token, password: TEST_PASSWORD }),
    }),
    200,
    `accepting the invitation of ${email}`,
  );
  return signIn(baseUrl, email, TEST_PASSWORD);
}
