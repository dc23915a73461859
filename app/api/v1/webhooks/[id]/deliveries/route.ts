export { listWebhookDeliveries as GET } from "@/lib/http/handlers/webhooks";
