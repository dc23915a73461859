export { rotateWebhookSecret as POST } from "@/lib/http/handlers/webhooks";
