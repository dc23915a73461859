/**
 * An OTLP/HTTP trace receiver on a loopback port, what an OpenTelemetry collector is to the app: it accepts
 * `POST /v1/traces` in the `http/json` encoding (the server under test runs with
 * OTEL_EXPORTER_OTLP_PROTOCOL=http/json) and keeps every span it was sent, flattened with its resource and
 * scope. Anything else (protobuf, another path) is answered 415/404 and counted as refused, so a test can tell
 * "nothing was sent" from "something was sent that we could not read".
 */
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { gunzipSync } from "node:zlib";

import { z } from "zod";

const anyValue = z.object({
  stringValue: z.string().optional(),
  intValue: z.union([z.number(), z.string()]).optional(),
  doubleValue: z.number().optional(),
  boolValue: z.boolean().optional(),
});
const keyValues = z.array(z.object({ key: z.string(), value: anyValue })).default([]);
const exportRequest = z.object({
  resourceSpans: z.array(
    z.object({
      resource: z.object({ attributes: keyValues }).default({ attributes: [] }),
      scopeSpans: z.array(
        z.object({
          scope: z.object({ name: z.string() }).default({ name: "" }),
          spans: z.array(
            z.object({
              traceId: z.string(),
              spanId: z.string(),
              parentSpanId: z.string().optional(),
              name: z.string(),
              kind: z.number(),
              attributes: keyValues,
              status: z.object({ code: z.number().optional(), message: z.string().optional() }).default({}),
              events: z.array(z.unknown()).default([]),
            }),
          ),
        }),
      ),
    }),
  ),
});

type Value = string | number | boolean | undefined;

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP's: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, Value>;
  /** OTLP's: 0 unset, 1 ok, 2 error. */
  statusCode: number;
  scope: string;
  resource: Record<string, Value>;
  /** The span as it came over the wire, to search for values that must not be there. */
  raw: string;
}

export const SPAN_KIND = { internal: 1, server: 2, client: 3 } as const;
export const STATUS_CODE = { unset: 0, ok: 1, error: 2 } as const;

export interface OtlpReceiver {
  /** `http://127.0.0.1:<port>`: the value for OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  spans(): ReceivedSpan[];
  /** Export requests received, and those refused (not JSON, not /v1/traces). */
  requests(): { accepted: number; refused: number };
  close(): Promise<void>;
}

function valueOf(value: z.infer<typeof anyValue>): Value {
  if (value.intValue !== undefined) return Number(value.intValue);
  return value.stringValue ?? value.doubleValue ?? value.boolValue;
}

function attributesOf(list: z.infer<typeof keyValues>): Record<string, Value> {
  return Object.fromEntries(list.map(({ key, value }) => [key, valueOf(value)]));
}

/** Listens on `port`, or on a free one when 0 (a test that has pointed the app at a closed port opens it later). */
export async function startOtlpReceiver(port = 0): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  let accepted = 0;
  let refused = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      if (request.method !== "POST" || request.url !== "/v1/traces") {
        refused++;
        response.writeHead(404).end();
        return;
      }
      if (!request.headers["content-type"]?.startsWith("application/json")) {
        refused++;
        response.writeHead(415).end();
        return;
      }
      let body = Buffer.concat(chunks);
      if (request.headers["content-encoding"] === "gzip") body = gunzipSync(body);
      const parsed = exportRequest.safeParse(JSON.parse(body.toString("utf8")));
      if (!parsed.success) {
        refused++;
        response.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ message: parsed.error.message }));
        return;
      }
      accepted++;
      for (const resourceSpans of parsed.data.resourceSpans) {
        const resource = attributesOf(resourceSpans.resource.attributes);
        for (const scopeSpans of resourceSpans.scopeSpans) {
          for (const span of scopeSpans.spans) {
            spans.push({
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId ?? "",
              name: span.name,
              kind: span.kind,
              attributes: attributesOf(span.attributes),
              statusCode: span.status.code ?? 0,
              scope: scopeSpans.scope.name,
              resource,
              raw: JSON.stringify(span),
            });
          }
        }
      }
      // ExportTraceServiceResponse with no partial_success: everything accepted.
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the OTLP receiver is not listening on TCP");
  return {
    url: `http://127.0.0.1:${address.port}`,
    spans: () => [...spans],
    requests: () => ({ accepted, refused }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
