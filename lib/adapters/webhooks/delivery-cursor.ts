import { InvalidCursorError } from "../../domain/errors";

/**
 * The delivery log's page cursor: the queue position of the last delivery shown (newest first), opaque to clients.
 * Shared by the in-memory and Prisma adapters, so a cursor means the same on both.
 */
export function encodeDeliveryCursor(position: number | bigint): string {
  return `d${position}`;
}

export function decodeDeliveryCursor(cursor: string): number {
  const match = /^d(\d{1,15})$/.exec(cursor);
  if (!match?.[1]) throw new InvalidCursorError("not a cursor of this delivery log");
  return Number(match[1]);
}
