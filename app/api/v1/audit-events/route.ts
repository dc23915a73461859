export { listAuditEvents as GET } from "@/lib/http/handlers/audit";
