export { getFlagHistory as GET } from "@/lib/http/handlers/flags";
