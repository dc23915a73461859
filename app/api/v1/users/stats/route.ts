export { getUserStats as GET } from "@/lib/http/handlers/users";
