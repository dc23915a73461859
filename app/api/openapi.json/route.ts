export { getOpenApiDocument as GET } from "@/lib/http/api-routes";
