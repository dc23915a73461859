export { changePassword as PUT } from "@/lib/http/handlers/session";
