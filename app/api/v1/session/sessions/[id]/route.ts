export { revokeSession as DELETE } from "@/lib/http/handlers/session";
