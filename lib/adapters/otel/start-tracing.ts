import { context, diag, DiagLogLevel, ROOT_CONTEXT, type DiagLogger } from "@opentelemetry/api";
import { OTLPTraceExporter as OtlpGrpcExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { OTLPTraceExporter as OtlpJsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OtlpProtobufExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import { NodeSDK } from "@opentelemetry/sdk-node";
// The SDK's own pieces for building span processors from OTEL_TRACES_EXPORTER, OTEL_EXPORTER_OTLP_* and
// OTEL_BSP_* when given none: not in the package's index, so imported from their files (the version is pinned;
// start-tracing.test.ts would see them move). Needed to put our URL redaction ahead of the exporting processors
// and to watch the OTLP exporter's outcomes (issue 17) while re-implementing only the SDK's choice of OTLP
// exporter class by protocol (otlpExporter below).
import { createBatchSpanProcessorFromEnv } from "@opentelemetry/sdk-node/build/src/create-from-env";
import { getOtlpProtocolFromEnv, getSpanProcessorsFromEnv } from "@opentelemetry/sdk-node/build/src/utils";
import {
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanExporter,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";

import type { Logger } from "../../ports/logger";
import type { TraceExportWatch } from "../../ports/trace-export";
import { watchSpanExporter } from "./trace-export-watch";
import { createUrlRedactingProcessor, maskEverySegment, type RedactPath } from "./url-redaction";

/** What the process entry (server/main.ts) needs of tracing once it runs: a way to flush and stop it. */
export interface TracingHandle {
  /** Exports the spans still buffered, then stops; resolves when done (or when the exporter gave up). */
  shutdown(): Promise<void>;
  /**
   * How the OTLP exporter is doing, for /ready with READY_REQUIRES_TRACE_EXPORT (server/health.ts). Unset when
   * OTEL_TRACES_EXPORTER chose anything but OTLP alone (`console`, `zipkin`, several, `none`): not watched.
   */
  traceExport?: TraceExportWatch;
}

declare global {
  /**
   * Set by {@link startTracing}, which Next runs from instrumentation.ts inside its own bundle; read by the
   * server's shutdown sequence, which lives in the other bundle (docs/decisions/002-own-server.md), hence
   * globalThis as for lib/app-registry.ts. Unset while tracing is off.
   */
  var __userConsoleTracing: TracingHandle | undefined;
}

/** Service name when neither OTEL_SERVICE_NAME nor `service.name` in OTEL_RESOURCE_ATTRIBUTES says otherwise. */
export const DEFAULT_SERVICE_NAME = "user-console";
/** Share of new traces recorded when OTEL_TRACES_SAMPLER is unset (issue 8: "default 10 %"). */
export const DEFAULT_SAMPLE_RATIO = 0.1;

type Env = Record<string, string | undefined>;

/**
 * Starts the OpenTelemetry SDK for traces (issue 8), configured by the standard OTEL_* variables as the SDK
 * reads them: OTEL_TRACES_EXPORTER (default `otlp`), OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT (default
 * http://localhost:4318), OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL (default `http/protobuf`; `http/json`, `grpc`),
 * OTEL_EXPORTER_OTLP_[TRACES_]HEADERS, OTEL_BSP_* for the batch span processor, OTEL_PROPAGATORS (default W3C
 * tracecontext and baggage), OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME. Ours are only two defaults: the
 * service name, and when OTEL_TRACES_SAMPLER is unset a parent-based trace-id ratio sampler at
 * OTEL_TRACES_SAMPLER_ARG or 10 % (the SDK's own default records every trace).
 *
 * Every URL and path attribute is redacted before export (url-redaction.ts): by `redactPath`, the server's route
 * table, or with every segment masked when none was given.
 *
 * Traces only: the SDK would also push metrics and logs over OTLP by default, but metrics are Prometheus's
 * (/metrics) and logs are stdout's. With OTEL_SDK_DISABLED=true nothing is constructed or registered: no
 * exporter, no context manager, spans are the API's no-ops. Export failures and other SDK complaints go to `log`
 * as warnings, each distinct message at most once a minute (a collector that is down would otherwise repeat
 * one every batch), unless OTEL_LOG_LEVEL asks for the SDK's own console logging.
 *
 * @throws Error naming OTEL_TRACES_SAMPLER_ARG when it is not a ratio between 0 and 1.
 */
export function startTracing(options: { log: Logger; redactPath?: RedactPath }): TracingHandle | undefined {
  const env = process.env;
  if (isDisabled(env)) return undefined;
  if (env.OTEL_LOG_LEVEL === undefined) diag.setLogger(throttled(options.log), DiagLogLevel.WARN);
  const { processors: exporting, watch } = exportingProcessors();
  const sdk = new NodeSDK({
    // Under OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES: the SDK's env detector merges those over this.
    resource: defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: DEFAULT_SERVICE_NAME })),
    sampler: defaultSampler(env),
    // We make the request, use case and repository spans ourselves; Next makes its own.
    instrumentations: [],
    // URLs and paths redacted before any exporting processor sees a span (issue 18, item 4). None exporting
    // (OTEL_TRACES_EXPORTER=none): none at all, so the SDK registers no tracer, as it would by itself.
    spanProcessors: exporting.length > 0 ? [createUrlRedactingProcessor(options.redactPath ?? maskEverySegment), ...exporting] : [],
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  const handle: TracingHandle = { shutdown: () => sdk.shutdown(), ...(watch && { traceExport: watch }) };
  globalThis.__userConsoleTracing = handle;
  return handle;
}

/**
 * The span processors that export, as the SDK would build them from the environment. With OTEL_TRACES_EXPORTER
 * unset or `otlp` (the default, and what trace backends speak): the SDK's OTLP exporter for
 * OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL, watched (trace-export-watch.ts), in the batch processor the SDK makes
 * (OTEL_BSP_*). Any other choice, or a protocol the SDK does not know (it warns and falls back), is left to the
 * SDK entirely and not watched.
 */
export function exportingProcessors(): { processors: SpanProcessor[]; watch?: TraceExportWatch } {
  // From process.env, as the SDK's own pieces read the rest.
  const chosen = process.env.OTEL_TRACES_EXPORTER?.trim() ?? "";
  const exporter = chosen === "" || chosen === "otlp" ? otlpExporter(getOtlpProtocolFromEnv()) : undefined;
  if (!exporter) return { processors: getSpanProcessorsFromEnv(undefined) };
  const watched = watchSpanExporter(exporter);
  return { processors: [createBatchSpanProcessorFromEnv(watched.exporter)], watch: watched.watch };
}

/** The SDK's OTLP trace exporter for `protocol` (each reads its endpoint, headers and timeout from OTEL_*). */
function otlpExporter(protocol: string): SpanExporter | undefined {
  switch (protocol) {
    case "http/protobuf":
      return new OtlpProtobufExporter();
    case "http/json":
      return new OtlpJsonExporter();
    case "grpc":
      return new OtlpGrpcExporter();
    default:
      return undefined;
  }
}

/** OTEL_SDK_DISABLED as the specification reads it: `true` in any case, anything else is false. */
export function isDisabled(env: Env): boolean {
  return env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true";
}

/**
 * Our default sampler, or undefined when OTEL_TRACES_SAMPLER names one (the SDK then builds that, with
 * OTEL_TRACES_SAMPLER_ARG). Parent-based: a request whose caller sampled its trace is recorded whatever the
 * ratio, so a trace that starts upstream is never cut in the middle.
 */
export function defaultSampler(env: Env): Sampler | undefined {
  if (env.OTEL_TRACES_SAMPLER?.trim()) return undefined;
  const given = env.OTEL_TRACES_SAMPLER_ARG?.trim();
  const ratio = given ? Number(given) : DEFAULT_SAMPLE_RATIO;
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    throw new Error(`OTEL_TRACES_SAMPLER_ARG must be a ratio between 0 and 1 (0.1 samples 10 % of traces), not "${given}"`);
  }
  return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
}

const REPEAT_AFTER_MS = 60_000;

/** The SDK's diagnostics as warnings in our log, the same message at most once per minute. */
function throttled(log: Logger): DiagLogger {
  const lastSeen = new Map<string, number>();
  const write = (message: string, ...args: unknown[]) => {
    const now = Date.now();
    if (now - (lastSeen.get(message) ?? -Infinity) < REPEAT_AFTER_MS) return;
    if (lastSeen.size >= 100) lastSeen.clear(); // messages that vary (addresses, counts) must not grow it forever
    lastSeen.set(message, now);
    const err = args.find((arg) => arg instanceof Error);
    // Outside any span: the export that failed ran in whichever request's context started it, and the line
    // must not be filed under that request's trace (the logger adds the active span's ids).
    context.with(ROOT_CONTEXT, () =>
      log.warn({ ...(err ? { err } : {}), component: "opentelemetry" }, `OpenTelemetry: ${message}`),
    );
  };
  return { error: write, warn: write, info: write, debug: write, verbose: write };
}
