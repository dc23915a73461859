export { getServiceTraffic as GET } from "@/lib/http/handlers/service";
