export { restoreUser as POST } from "@/lib/http/handlers/users";
