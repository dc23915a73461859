export { listFlags as GET } from "@/lib/http/handlers/flags";
