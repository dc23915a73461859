export { invite as POST } from "@/lib/http/handlers/invitations";
