export { getOpenApiDocument as GET } from "@/lib/http/openapi";
