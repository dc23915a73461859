import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { describe, expect, it } from "vitest";

import { createUrlRedactingProcessor, maskEverySegment } from "./url-redaction";

/** Masks what follows /invitations/, as the server's route table does (server/route-templates.ts). */
const redactPath = (pathname: string) => (pathname.split("?")[0] ?? "").replace(/^\/invitations\/[^/]+/, "/invitations/REDACTED");

describe("URL attributes redacted before export (issue 18, item 4)", () => {
  it("rewrites paths and URLs written at start and later, whoever wrote them, before an exporter sees the span", () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      spanProcessors: [createUrlRedactingProcessor(redactPath), new SimpleSpanProcessor(exporter)],
    });
    const tracer = provider.getTracer("next.js");
    // As Next's BaseServer.handleRequest span: http.target at start, the query included.
    const span = tracer.startSpan("GET", { attributes: { "http.target": "/invitations/s3cr3t?from=mail", "http.method": "GET" } });
    // Written after start, as an instrumentation may.
    span.setAttributes({
      "url.path": "/invitations/s3cr3t",
      "url.full": "https://console.example.com/invitations/s3cr3t?x=1",
      "http.url": "/invitations/s3cr3t?x=1",
      "url.query": "token=s3cr3t",
      "http.route": "/invitations/[token]",
    });
    span.end();

    const [exported] = exporter.getFinishedSpans();
    expect(exported?.attributes).toEqual({
      "http.method": "GET",
      "http.target": "/invitations/REDACTED",
      "url.path": "/invitations/REDACTED",
      "url.full": "https://console.example.com/invitations/REDACTED",
      "http.url": "/invitations/REDACTED",
      "url.query": "REDACTED",
      "http.route": "/invitations/[token]",
    });
    expect(JSON.stringify(exported?.attributes)).not.toContain("s3cr3t");
  });

  it("masks every segment when the server gave no route table", () => {
    expect(maskEverySegment("/invitations/s3cr3t/?q=1")).toBe("/REDACTED/REDACTED/");
  });
});
