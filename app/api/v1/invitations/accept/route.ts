export { acceptInvitation as POST } from "@/lib/http/handlers/invitations";
