// @ts-check
/** @type {import("next").NextConfig} */
const nextConfig = {
  // The production build is a standalone folder that our own server (server/) hosts; see docs/decisions.
  output: "standalone",
  // PGlite loads its WASM and data files relative to its own module, and prom-client keeps one registry
  // per module instance: bundling any of them breaks them, so Next loads them from node_modules.
  // OpenTelemetry (instrumentation.ts, lib/adapters/otel): the SDK and its exporters (gRPC, protobuf) load as
  // Node modules, and the API is then the same module instance as the SDK's and the server bundle's.
  serverExternalPackages: [
    "@electric-sql/pglite",
    "pglite-prisma-adapter",
    "pg",
    "pino",
    "proper-lockfile",
    "@faker-js/faker",
    "@node-rs/argon2",
    "@opentelemetry/api",
    "@opentelemetry/core",
    "@opentelemetry/exporter-trace-otlp-grpc",
    "@opentelemetry/exporter-trace-otlp-http",
    "@opentelemetry/exporter-trace-otlp-proto",
    "@opentelemetry/resources",
    "@opentelemetry/sdk-node",
    "@opentelemetry/sdk-trace-base",
    "@opentelemetry/semantic-conventions",
  ],
  // No page uses next/image, so the image optimizer and sharp (libvips, 19 MB of the standalone folder's 75 MB of
  // node_modules) stay out of the build and the container image (issue 19).
  images: { unoptimized: true },
  outputFileTracingExcludes: { "*": ["node_modules/sharp/**", "node_modules/@img/**"] },
  poweredByHeader: false,
  reactStrictMode: true,
  // forbidden() answers 403 with app/forbidden.tsx when a signed-in user's role may not open a page.
  experimental: { authInterrupts: true },
};

export default nextConfig;
