/**
 * The new-password rules checked in the browser before sending, for a quick answer; the server checks the same
 * ones (lib/http/schemas.ts `password`, lib/domain/auth.ts) and its answer is what counts.
 */
export { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "@/lib/domain/auth";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "@/lib/domain/auth";

export function validateNewPassword(password: string, confirm: string): { password?: string; confirm?: string } {
  if (password.length < PASSWORD_MIN_LENGTH) return { password: `Use at least ${PASSWORD_MIN_LENGTH} characters` };
  if (password.length > PASSWORD_MAX_LENGTH) return { password: `Use at most ${PASSWORD_MAX_LENGTH} characters` };
  if (password !== confirm) return { confirm: "The two passwords differ" };
  return {};
}
