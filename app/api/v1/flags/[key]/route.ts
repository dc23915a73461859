export { getFlag as GET, patchFlag as PATCH } from "@/lib/http/handlers/flags";
