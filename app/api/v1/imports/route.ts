export { startImport as POST, listImports as GET } from "@/lib/http/handlers/imports";
