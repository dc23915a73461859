export { getImport as GET } from "@/lib/http/handlers/imports";
