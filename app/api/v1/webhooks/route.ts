export { listWebhooks as GET, createWebhook as POST } from "@/lib/http/handlers/webhooks";
