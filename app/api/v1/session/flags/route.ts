export { getOwnFlags as GET } from "@/lib/http/handlers/flags";
