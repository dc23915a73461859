export { getSession as GET, signIn as POST, signOut as DELETE } from "@/lib/http/handlers/session";
