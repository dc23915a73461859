export { listSessions as GET } from "@/lib/http/handlers/session";
