/**
 * How span export is going, as the readiness probe sees it (issue 17, the seed's ReadinessGate: /ready's
 * `traceExport` check, server/health.ts). Implemented by lib/adapters/otel/trace-export-watch.ts.
 */
export interface TraceExportWatch {
  /**
   * When the first of the exports that have failed since the last success began (epoch ms), or null when the
   * last export succeeded or none has finished yet.
   */
  failingSince(): number | null;
  /**
   * Sends an empty batch through the exporter, unless one is still on its way, and records its outcome like any
   * other export's. A replica that failing readiness took out of rotation makes no spans, so without this it
   * would never find out that the backend is back: it would stay out for good.
   */
  probe(): void;
}
