"use client";

import { PlusIcon } from "@radix-ui/react-icons";
import { Badge, Button, Checkbox, Code, Dialog, Flex, Table, Text, VisuallyHidden } from "@radix-ui/themes";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { toast } from "sonner";

import { api, describeError, send } from "@/components/data/api";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { DialogForm, FormDialog } from "@/components/ui/form-dialog";
import { FormField } from "@/components/ui/form-field";
import { formatDate, formatDateTime } from "@/components/ui/format";
import { LoadError } from "@/components/ui/load-error";
import { QueryTable } from "@/components/ui/query-table";
import { ShownOnce } from "@/components/ui/shown-once";
import { useFormMutation } from "@/components/ui/use-form-mutation";
import {
  webhookDeliveryPageResponse,
  webhookListResponse,
  webhookResponse,
  webhookWithSecretResponse,
  type WebhookDeliveryJson,
  type WebhookBody,
  type WebhookJson,
} from "@/lib/api-contract/webhooks";
import { EVENT_TYPES, type EventType } from "@/lib/domain/events";

const WEBHOOKS = ["webhooks"] as const;
const deliveriesKey = (id: string) => ["webhooks", id, "deliveries"] as const;
/** The delivery log is refreshed this often while it is open: deliveries change without anyone here acting. */
const LOG_REFRESH_MS = 2_000;
/** The endpoint form's inputs, under which the API's field errors are said. */
const FIELDS = ["url", "description", "eventTypes"] as const;

function toastError(error: unknown) {
  const { title, detail } = describeError(error);
  toast.error(title, { description: detail });
}

/** The Webhooks page's body (issue 20, item 3): endpoints (GET /api/v1/webhooks), their changes and delivery logs. */
export function Webhooks() {
  const endpoints = useQuery({ queryKey: WEBHOOKS, queryFn: ({ signal }) => api("/api/v1/webhooks", webhookListResponse, { signal }) });
  const [logOf, setLogOf] = useState<string | null>(null);
  const shown = endpoints.data?.items.find((endpoint) => endpoint.id === logOf);
  return (
    <Flex direction="column" gap="3">
      <Flex justify="end">
        <EndpointDialog />
      </Flex>
      <QueryTable
        query={endpoints}
        what="The endpoints"
        empty="No endpoints yet."
        columns={["URL", "Events", "Status", "Created"]}
        actions
      >
        {(endpoint) => (
          <Table.Row key={endpoint.id} align="center">
            <Table.Cell>
              <Flex direction="column">
                <Code variant="ghost">{endpoint.url}</Code>
                {endpoint.description && <Text size="1" color="gray">{endpoint.description}</Text>}
              </Flex>
            </Table.Cell>
            <Table.Cell>{endpoint.eventTypes.length === 0 ? "All events" : endpoint.eventTypes.join(", ")}</Table.Cell>
            <Table.Cell>
              <Flex direction="column" gap="1">
                <Badge variant="soft" color={endpoint.enabled ? "green" : "red"} style={{ width: "fit-content" }}>
                  {endpoint.enabled ? "Enabled" : "Disabled"}
                </Badge>
                {endpoint.disabledReason && <Text size="1" color="red">{endpoint.disabledReason}</Text>}
              </Flex>
            </Table.Cell>
            <Table.Cell>
              <time dateTime={endpoint.createdAt}>{formatDate(endpoint.createdAt)}</time>
            </Table.Cell>
            <Table.Cell justify="end">
              <Flex gap="2" justify="end" wrap="wrap">
                <Button size="1" variant="soft" onClick={() => setLogOf(logOf === endpoint.id ? null : endpoint.id)} aria-expanded={logOf === endpoint.id}>
                  Deliveries<VisuallyHidden> to {endpoint.url}</VisuallyHidden>
                </Button>
                <EndpointDialog endpoint={endpoint} />
                <ToggleEndpoint endpoint={endpoint} />
                <RotateSecret endpoint={endpoint} />
                <DeleteEndpoint endpoint={endpoint} onDeleted={() => setLogOf(null)} />
              </Flex>
            </Table.Cell>
          </Table.Row>
        )}
      </QueryTable>
      {shown && <DeliveryLog endpoint={shown} />}
    </Flex>
  );
}

function useEndpointChange<T>(change: () => Promise<T>, done: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: change,
    onSuccess: () => toast.success(done),
    onError: toastError,
    onSettled: () => queryClient.invalidateQueries({ queryKey: WEBHOOKS }),
  });
}

function ToggleEndpoint({ endpoint }: { endpoint: WebhookJson }) {
  const enable = !endpoint.enabled;
  const toggle = useEndpointChange(
    () => api(`/api/v1/webhooks/${encodeURIComponent(endpoint.id)}`, webhookResponse, { method: "PATCH", body: { enabled: enable } }),
    enable ? `${endpoint.url} is enabled again: its queue resumes` : `${endpoint.url} is disabled`,
  );
  return (
    <Button size="1" variant="soft" color={enable ? "green" : "gray"} loading={toggle.isPending} onClick={() => toggle.mutate()}>
      {enable ? "Enable" : "Disable"}
      <VisuallyHidden> {endpoint.url}</VisuallyHidden>
    </Button>
  );
}

function DeleteEndpoint({ endpoint, onDeleted }: { endpoint: WebhookJson; onDeleted: () => void }) {
  const remove = useEndpointChange(
    async () => {
      await send(`/api/v1/webhooks/${encodeURIComponent(endpoint.id)}`, { method: "DELETE" });
      onDeleted();
    },
    `${endpoint.url} was removed`,
  );
  return (
    <ConfirmDialog
      trigger={
        <Button size="1" variant="soft" color="red" loading={remove.isPending}>
          Delete<VisuallyHidden> {endpoint.url}</VisuallyHidden>
        </Button>
      }
      title="Delete this endpoint?"
      description={`Nothing more is sent to ${endpoint.url}, and its delivery log goes with it.`}
      confirmLabel="Delete endpoint"
      destructive
      onConfirm={() => remove.mutate()}
    />
  );
}

function RotateSecret({ endpoint }: { endpoint: WebhookJson }) {
  const [secret, setSecret] = useState<string | null>(null);
  const rotate = useMutation({
    mutationFn: () => api(`/api/v1/webhooks/${encodeURIComponent(endpoint.id)}/rotate-secret`, webhookWithSecretResponse, { method: "POST" }),
    onSuccess: (rotated) => setSecret(rotated.secret),
    onError: toastError,
  });
  return (
    <>
      <ConfirmDialog
        trigger={
          <Button size="1" variant="soft" color="gray" loading={rotate.isPending}>
            Rotate secret<VisuallyHidden> of {endpoint.url}</VisuallyHidden>
          </Button>
        }
        title="Rotate the signing secret?"
        description="Requests are signed with the new secret from now on: the receiver must verify with it."
        confirmLabel="Rotate secret"
        onConfirm={() => rotate.mutate()}
      />
      <Dialog.Root open={secret !== null} onOpenChange={(open) => !open && setSecret(null)}>
        <Dialog.Content maxWidth="480px">
          <Dialog.Title>New signing secret</Dialog.Title>
          <ShownOnce label="Signing secret" value={secret ?? ""}>
            Copy it now: it will not be shown again.
          </ShownOnce>
        </Dialog.Content>
      </Dialog.Root>
    </>
  );
}

/** Adds an endpoint (the secret is shown once), or, given one, changes its URL, description and event types. */
function EndpointDialog({ endpoint }: { endpoint?: WebhookJson }) {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [url, setUrl] = useState(endpoint?.url ?? "");
  const [description, setDescription] = useState(endpoint?.description ?? "");
  const [types, setTypes] = useState<readonly EventType[]>(endpoint?.eventTypes ?? []);
  const path = endpoint ? `/api/v1/webhooks/${encodeURIComponent(endpoint.id)}` : "/api/v1/webhooks";

  const save = useFormMutation({
    fields: FIELDS,
    mutationFn: async (body: WebhookBody) => {
      if (endpoint) return { secret: null, ...(await api(path, webhookResponse, { method: "PATCH", body })) };
      return api(path, webhookWithSecretResponse, { method: "POST", body });
    },
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: WEBHOOKS });
      if (!saved.secret) setOpen(false);
      toast.success(endpoint ? "The endpoint was changed" : "The endpoint was added");
    },
  });
  const secret = save.mutation.data?.secret ?? null;

  function reset() {
    setUrl(endpoint?.url ?? "");
    setDescription(endpoint?.description ?? "");
    setTypes(endpoint?.eventTypes ?? []);
    save.reset();
  }
  function submit() {
    save.send({ url, description, eventTypes: [...types] });
  }

  return (
    <FormDialog
      trigger={
        endpoint ? (
          <Button size="1" variant="soft" color="gray">
            Edit<VisuallyHidden> {endpoint.url}</VisuallyHidden>
          </Button>
        ) : (
          <Button>
            <PlusIcon aria-hidden />
            Add endpoint
          </Button>
        )
      }
      title={endpoint ? "Edit endpoint" : "Add endpoint"}
      open={open}
      onOpenChange={setOpen}
      onDismiss={reset}
      maxWidth="560px"
    >
      {secret ? (
        <ShownOnce label="Signing secret" value={secret}>
          The endpoint is added. Copy its signing secret now: it will not be shown again. Verify each request&apos;s{" "}
          <Code>webhook-signature</Code> with it (docs/api.md, &quot;Webhooks&quot;).
        </ShownOnce>
      ) : (
        <DialogForm
          description="Events are POSTed to the URL as signed JSON, one at a time in order, and retried for up to a day."
          onSubmit={submit}
          submitLabel={endpoint ? "Save" : "Add endpoint"}
          pending={save.pending}
        >
          <FormField
            label="URL"
            required
            autoComplete="off"
            placeholder="https://example.com/webhooks"
            value={url}
            onChange={(event) => setUrl(event.target.value)}
            error={save.errors.url}
          />
          <FormField
            label="Description (optional)"
            autoComplete="off"
            value={description}
            onChange={(event) => setDescription(event.target.value)}
            error={save.errors.description}
          />
          <fieldset style={{ border: "none", padding: 0, margin: 0 }}>
            <legend>
              <Text size="2" weight="medium">
                Events (none ticked: all)
              </Text>
            </legend>
            <Flex wrap="wrap" gap="2">
              {EVENT_TYPES.map((type) => (
                <Text as="label" size="2" key={type} style={{ minWidth: "12rem" }}>
                  <Flex gap="2" align="center">
                    <Checkbox
                      checked={types.includes(type)}
                      onCheckedChange={(checked) => setTypes(checked === true ? [...types, type] : types.filter((t) => t !== type))}
                    />
                    <Code variant="ghost">{type}</Code>
                  </Flex>
                </Text>
              ))}
            </Flex>
          </fieldset>
          {save.failure && <LoadError error={save.failure} what={null} />}
        </DialogForm>
      )}
    </FormDialog>
  );
}

const STATUS_COLOR = { pending: "amber", succeeded: "green", failed: "red" } as const;
const STATUS_LABEL = { pending: "Pending", succeeded: "Succeeded", failed: "Failed" } as const;

/** One endpoint's delivery log, newest first, refreshed while it is open; each delivery can be sent again. */
function DeliveryLog({ endpoint }: { endpoint: WebhookJson }) {
  const deliveries = useQuery({
    queryKey: deliveriesKey(endpoint.id),
    queryFn: ({ signal }) => api(`/api/v1/webhooks/${encodeURIComponent(endpoint.id)}/deliveries?limit=50`, webhookDeliveryPageResponse, { signal }),
    refetchInterval: LOG_REFRESH_MS,
  });
  return (
    <Flex direction="column" gap="2" asChild>
      <section aria-label={`Deliveries to ${endpoint.url}`}>
        <Text as="p" weight="medium">
          Deliveries to <Code variant="ghost">{endpoint.url}</Code> (the latest 50)
        </Text>
        <QueryTable
          query={deliveries}
          what="The deliveries"
          empty="Nothing sent yet: deliveries appear here as events happen."
          skeletonHeight="6rem"
          columns={["Event", "Status", "Attempts", "Response", "Latency", "Next attempt", "Last error"]}
          actions
          size="1"
        >
          {(delivery) => (
            <Table.Row key={delivery.id} align="center">
              <Table.Cell>
                <Flex direction="column">
                  <Code variant="ghost">{delivery.eventType}</Code>
                  <Text size="1" color="gray">
                    {delivery.subject.type} …{delivery.subject.id.slice(-6)} #{delivery.sequence}
                  </Text>
                </Flex>
              </Table.Cell>
              <Table.Cell>
                <Badge variant="soft" color={STATUS_COLOR[delivery.status]}>
                  {STATUS_LABEL[delivery.status]}
                </Badge>
              </Table.Cell>
              <Table.Cell>{delivery.attempts}</Table.Cell>
              <Table.Cell>{delivery.lastResponseCode ?? "–"}</Table.Cell>
              <Table.Cell>{delivery.lastLatencyMs === null ? "–" : `${delivery.lastLatencyMs} ms`}</Table.Cell>
              <Table.Cell>
                {delivery.nextAttemptAt ? <time dateTime={delivery.nextAttemptAt}>{formatDateTime(delivery.nextAttemptAt)}</time> : "–"}
              </Table.Cell>
              <Table.Cell>
                <Text size="1">{delivery.lastError ?? ""}</Text>
              </Table.Cell>
              <Table.Cell justify="end">
                <Resend endpoint={endpoint} delivery={delivery} />
              </Table.Cell>
            </Table.Row>
          )}
        </QueryTable>
      </section>
    </Flex>
  );
}

function Resend({ endpoint, delivery }: { endpoint: WebhookJson; delivery: WebhookDeliveryJson }) {
  const queryClient = useQueryClient();
  const resend = useMutation({
    mutationFn: () =>
      send(`/api/v1/webhooks/${encodeURIComponent(endpoint.id)}/deliveries/${encodeURIComponent(delivery.id)}/resend`, { method: "POST" }),
    onSuccess: () => toast.success(`${delivery.eventType} is queued again`),
    onError: toastError,
    onSettled: () => queryClient.invalidateQueries({ queryKey: deliveriesKey(endpoint.id) }),
  });
  return (
    <Button size="1" variant="soft" disabled={delivery.status === "pending"} loading={resend.isPending} onClick={() => resend.mutate()}>
      Resend<VisuallyHidden> {delivery.eventType} #{delivery.sequence}</VisuallyHidden>
    </Button>
  );
}
