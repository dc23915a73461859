export { listTokens as GET, createToken as POST } from "@/lib/http/handlers/tokens";
