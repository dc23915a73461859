export { resendWebhookDelivery as POST } from "@/lib/http/handlers/webhooks";
