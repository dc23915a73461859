import { AUDIT_TARGET_TYPES, type AuditEntry, type AuditQuery, type AuditTargetType, type NewAuditEntry } from "../../domain/audit";
import { decodeAuditCursor, encodeAuditCursor } from "../../domain/audit-cursor";
import type { AuditLog } from "../../ports/audit-log";
import type { Prisma, AuditEntry as AuditRow } from "./generated/client.ts";
import { isUuid } from "./prisma-user-repository";
import { v7 as uuidv7 } from "uuid";

/** An audit row's columns, named as Prisma's model names them (toAuditEntry reads that shape). */
const AUDIT_COLUMNS = `id, action, actor_type AS "actorType", actor_id AS "actorId", actor, target_type AS "targetType",
  target_id AS "targetId", data, request_id AS "requestId", trace_id AS "traceId", created_at AS "createdAt"`;

export class PrismaAuditLog implements AuditLog {
  constructor(
    private readonly tx: Prisma.TransactionClient,
    /** Throws once the unit of work has been given up on, so no further query is sent. */
    private readonly guard: () => void,
  ) {}

  async append(entry: NewAuditEntry): Promise<AuditEntry> {
    this.guard();
    // Plain SQL: every change writes one, and a model query costs about 0.2 ms more CPU than the same statement
    // sent raw (docs/operations.md#benchmark-results).
    const [row] = await this.tx.$queryRawUnsafe<AuditRow[]>(
      // created_at from this process's clock when the entry is written, as Prisma's model query set it (the
      // column's default would be the transaction's start, before any wait for a lock inside the unit).
      `INSERT INTO audit_entries (id, action, actor_type, actor_id, actor, target_type, target_id, data, request_id, trace_id, created_at)
       VALUES ($1::uuid, $2, $3, $4::uuid, $5, $6, $7, $8::jsonb, $9, $10, $11::timestamptz)
       RETURNING ${AUDIT_COLUMNS}`,
      uuidv7(),
      entry.action,
      entry.actor.type,
      entry.actor.id,
      entry.actor.label.slice(0, 320),
      entry.target.type,
      entry.target.id,
      JSON.stringify(toJsonObject(entry.data ?? {})),
      entry.requestId ?? null,
      entry.traceId ?? null,
      new Date(),
    );
    if (!row) throw new Error("INSERT ... RETURNING gave no row");
    return toAuditEntry(row);
  }

  async appendMany(entries: readonly NewAuditEntry[]): Promise<void> {
    this.guard();
    if (entries.length === 0) return;
    // One statement over arrays (see PrismaUserRepository.createMany: Prisma's createMany cost ~1 ms per row).
    const column = <T>(pick: (entry: NewAuditEntry) => T) => entries.map(pick);
    await this.tx.$executeRaw`
      INSERT INTO audit_entries (id, action, actor_type, actor_id, actor, target_type, target_id, data, request_id, trace_id)
      SELECT * FROM unnest(
        ${column(() => uuidv7())}::uuid[], ${column((e) => e.action)}::text[], ${column((e) => e.actor.type)}::text[],
        ${column((e) => e.actor.id)}::uuid[], ${column((e) => e.actor.label.slice(0, 320))}::text[],
        ${column((e) => e.target.type)}::text[], ${column((e) => e.target.id)}::text[],
        ${column((e) => JSON.stringify(e.data ?? {}))}::jsonb[], ${column((e) => e.requestId ?? null)}::text[],
        ${column((e) => e.traceId ?? null)}::text[])`;
  }

  async list(query: AuditQuery): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
    this.guard();
    const cursor = query.cursor === undefined ? null : decodeAuditCursor(query.cursor);
    const and: Prisma.AuditEntryWhereInput[] = [];
    if (query.action !== undefined) and.push({ action: query.action });
    if (query.actor !== undefined) {
      and.push(isUuid(query.actor) ? { OR: [{ actorId: query.actor }, { actor: query.actor }] } : { actor: query.actor });
    }
    if (query.targetType !== undefined) and.push({ targetType: query.targetType });
    if (query.targetId !== undefined) and.push({ targetId: query.targetId });
    if (query.from !== undefined) and.push({ createdAt: { gte: query.from } });
    if (query.to !== undefined) and.push({ createdAt: { lt: query.to } });
    if (cursor) {
      and.push({
        OR: [{ createdAt: { lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { lt: cursor.id } }],
      });
    }
    const rows = await this.tx.auditEntry.findMany({
      where: { AND: and },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: query.limit + 1,
    });
    const items = rows.slice(0, query.limit).map(toAuditEntry);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > query.limit && last ? encodeAuditCursor(last) : null };
  }
}

const ACTOR_TYPES = ["user", "token", "system", "anonymous"] as const;

function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    action: row.action,
    actor: { type: oneOf(ACTOR_TYPES, row.actorType, "actor_type"), id: row.actorId, label: row.actor },
    target: { type: oneOf<AuditTargetType>(AUDIT_TARGET_TYPES, row.targetType, "target_type"), id: row.targetId },
    data: isJsonObject(row.data) ? row.data : {},
    requestId: row.requestId,
    traceId: row.traceId,
    createdAt: row.createdAt,
  };
}

function oneOf<T extends string>(allowed: readonly T[], value: string, column: string): T {
  const found = allowed.find((candidate) => candidate === value);
  if (found === undefined) throw new Error(`audit_entries.${column} holds an unknown value: ${value}`);
  return found;
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
