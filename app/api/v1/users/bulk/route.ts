export { bulkUpdateUsers as POST } from "@/lib/http/handlers/users-bulk";
