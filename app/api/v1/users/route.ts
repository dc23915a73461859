export { createUser as POST, listUsers as GET } from "@/lib/http/handlers/users";
