export { previewImport as POST } from "@/lib/http/handlers/imports";
