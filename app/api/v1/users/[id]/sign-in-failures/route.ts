export { clearSignInFailures as DELETE } from "@/lib/http/handlers/users";
