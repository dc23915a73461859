export { getUserFlags as GET } from "@/lib/http/handlers/flags";
