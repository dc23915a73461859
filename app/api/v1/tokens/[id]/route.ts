export { revokeToken as DELETE } from "@/lib/http/handlers/tokens";
