/**
 * The new-password rules checked in the browser before sending, for a quick answer; the server checks the same
 * ones (lib/api-contract/session.ts `password`, lib/domain/auth.ts) and its answer is what counts.
 */
import { password as passwordSchema } from "@/lib/api-contract/session";

export { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "@/lib/domain/auth";

export function validateNewPassword(password: string, confirm: string): { password?: string; confirm?: string } {
  // The API's own rules (lib/api-contract/session.ts), so the form says what the server would.
  const checked = passwordSchema.safeParse(password);
  if (!checked.success) return { password: checked.error.issues[0]?.message ?? "Choose another password" };
  if (password !== confirm) return { confirm: "The two passwords differ" };
  return {};
}
