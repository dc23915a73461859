export { getUserOverview as GET } from "@/lib/http/handlers/users-overview";
