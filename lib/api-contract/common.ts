/** Pieces several features' schemas share: dates, roles, an id in the path, the Idempotency-Key header. */
import * as z from "../domain/zod";

import { ROLES } from "../domain/user";

// Leaf types stay inline rather than becoming components: Scalar's examples show a $ref'd enum or string as null.
export const timestamp = z.iso.datetime({ offset: true }).check(z.meta({ description: "ISO 8601 date and time" }));

/** A role in a response, described for the reference. */
export const role = z.enum(ROLES).check(z.meta({ description: "ADMIN may do everything; EDITOR manages non-admins; VIEWER reads." }));

/** A role as a request body names it. */
export const requestedRole = z.enum(ROLES);

export const idParams = z.strictObject({ id: z.string().check(z.minLength(1), z.maxLength(100)) });

/** Idempotency-Key: any printable ASCII (a UUID, say), as Stripe and the IETF draft allow. */
export const idempotencyKey = z
  .string()
  .check(z.regex(/^[\x21-\x7e]{1,255}$/, "Idempotency-Key must be 1 to 255 printable ASCII characters without spaces"));
