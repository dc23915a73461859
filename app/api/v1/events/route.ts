export { liveEvents as GET } from "@/lib/http/handlers/events";
