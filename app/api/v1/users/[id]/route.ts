export { getUser as GET, patchUser as PATCH, deleteUser as DELETE } from "@/lib/http/handlers/users";
