export { importEvents as GET } from "@/lib/http/handlers/imports";
