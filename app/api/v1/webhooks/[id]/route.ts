export { getWebhook as GET, updateWebhook as PATCH, deleteWebhook as DELETE } from "@/lib/http/handlers/webhooks";
