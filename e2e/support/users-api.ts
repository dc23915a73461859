/**
 * Setting up users for a spec through the REST API, with the page's own signed-in session (page.request shares
 * the browser context's cookies): fast, and the UI under test is the only thing clicked. Changes made with the
 * session cookie must name the site as their Origin (docs/security.md, "CSRF").
 */
import { expect, type APIRequestContext } from "@playwright/test";

export interface ApiUser {
  id: string;
  email: string;
  name: string;
  role: string;
  status: string;
  version: number;
}

export function usersApi(request: APIRequestContext, baseURL: string | undefined) {
  const origin = new URL(baseURL ?? "http://127.0.0.1").origin;
  const path = (id: string) => `/api/v1/users/${encodeURIComponent(id)}`;
  return {
    async create(user: { email: string; name: string; role?: string }): Promise<ApiUser> {
      const response = await request.post("/api/v1/users", { data: user, headers: { origin } });
      expect(response.status(), await response.text()).toBe(201);
      return response.json();
    },
    async get(id: string): Promise<ApiUser> {
      const response = await request.get(path(id));
      expect(response.status()).toBe(200);
      return response.json();
    },
    async findByEmail(email: string): Promise<ApiUser> {
      const response = await request.get(`/api/v1/users?${new URLSearchParams({ q: email })}`);
      expect(response.status()).toBe(200);
      const { items } = await response.json();
      const found = items.find((user: ApiUser) => user.email === email);
      expect(found, `a user ${email}`).toBeDefined();
      return found;
    },
    /** A change "someone else" makes meanwhile: If-Match with the version read just before. */
    async patch(id: string, patch: Record<string, string>): Promise<ApiUser> {
      const { version } = await this.get(id);
      const response = await request.patch(path(id), { data: patch, headers: { origin, "if-match": `"${version}"` } });
      expect(response.status(), await response.text()).toBe(200);
      return response.json();
    },
    async remove(id: string): Promise<void> {
      const { version } = await this.get(id);
      // A cookie-borne change without a body must carry X-Requested-With (docs/security.md, "CSRF").
      const response = await request.delete(path(id), { headers: { origin, "if-match": `"${version}"`, "x-requested-with": "e2e" } });
      expect(response.status(), await response.text()).toBe(204);
    },
  };
}
