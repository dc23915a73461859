export { exportUsers as GET } from "@/lib/http/handlers/users-export";
