import type { AuditEntry, NewAuditEntry } from "../../domain/audit";
import type { AuditLog } from "../../ports/audit-log";
import type { Prisma, AuditEntry as AuditRow } from "./generated/client.ts";
import { isUuid } from "./prisma-user-repository";

export class PrismaAuditLog implements AuditLog {
  constructor(
    private readonly tx: Prisma.TransactionClient,
    /** Throws once the unit of work has been given up on, so no further query is sent. */
    private readonly guard: () => void,
  ) {}

  async append(entry: NewAuditEntry): Promise<AuditEntry> {
    this.guard();
    const row = await this.tx.auditEntry.create({
      data: {
        userId: entry.userId,
        action: entry.action,
        actor: entry.actor,
        data: toJsonObject(entry.data ?? {}),
      },
    });
    return toAuditEntry(row);
  }

  async listForUser(userId: string): Promise<AuditEntry[]> {
    this.guard();
    if (!isUuid(userId)) return [];
    // created_at has millisecond precision; ids are UUIDv7, generated in increasing order by the client,
    // so they keep entries of the same millisecond in the order they were appended.
    const rows = await this.tx.auditEntry.findMany({
      where: { userId },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    });
    return rows.map(toAuditEntry);
  }
}

function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    userId: row.userId,
    action: row.action,
    actor: row.actor,
    data: isJsonObject(row.data) ? row.data : {},
    createdAt: row.createdAt,
  };
}

function isJsonObject(value: Prisma.JsonValue): value is Prisma.JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Checks that audit data is JSON (dates become ISO strings) instead of trusting an `unknown` bag. */
function toJsonObject(data: Readonly<Record<string, unknown>>): Prisma.InputJsonObject {
  const out: Record<string, Prisma.InputJsonValue | null> = {};
  for (const [key, value] of Object.entries(data)) {
    if (value !== undefined) out[key] = toJsonValue(value, key);
  }
  return out;
}

function toJsonValue(value: unknown, path: string): Prisma.InputJsonValue | null {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`Audit data ${path} is not a finite number`);
    return value;
  }
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item, i) => toJsonValue(item ?? null, `${path}[${i}]`));
  if (typeof value === "object") {
    const out: Record<string, Prisma.InputJsonValue | null> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) out[key] = toJsonValue(item, `${path}.${key}`);
    }
    return out;
  }
  throw new TypeError(`Audit data ${path} is not JSON (${typeof value})`);
}
