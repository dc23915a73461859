export { listUsers as GET } from "@/lib/http/handlers/users";
