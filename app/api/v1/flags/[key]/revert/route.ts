export { revertFlag as POST } from "@/lib/http/handlers/flags";
