export { importErrorsCsv as GET } from "@/lib/http/handlers/imports";
