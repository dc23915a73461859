# syntax=docker/dockerfile:1
# Three stages: dependencies, build, runtime. The runtime image is distroless Node.js (no shell, no package
# manager: Node and the libraries it links) holding only the standalone build (Next's traced server files, our
# bundled server and migration command in server/, static assets and the migrations), owned by root so the
# app cannot change itself, run as an unprivileged numeric user that may write only /app/data (and whatever
# volumes the manifests in deploy/k8s mount). node is the entrypoint (exec form), so SIGTERM reaches our
# server's graceful shutdown and `args: ["server/migrate.mjs"]` runs the migrations with the same image.
# server/dockerfile.process.test.ts rebuilds the runtime stage's layout from the lines below, starts it as that
# user, and checks the image's estimated size against its budget; test/deploy/dockerfile-lint.test.ts lints it.

ARG NODE_VERSION=22

FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# No dependency needs its install script (package.json "allowScripts" denies them; the npm of a Node 22 image
# predates that setting and would run them). npm's download cache stays in a BuildKit cache, out of the layers.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1
COPY --from=deps /app/node_modules ./node_modules
COPY . .
# Next's build cache likewise; the empty folder becomes the image's writable /app/data.
RUN --mount=type=cache,target=/app/.next/cache \
    npm run build \
 && mkdir -p /app/data

FROM gcr.io/distroless/nodejs${NODE_VERSION}-debian12:nonroot AS runtime
WORKDIR /app
# LISTEN_HOST, not HOSTNAME: Kubernetes sets HOSTNAME to the pod's name in every container.
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    LISTEN_HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/app/data
COPY --from=build /app/.next/standalone ./
COPY --from=build --chown=65532:65532 /app/data ./data
# Numeric, so Kubernetes' runAsNonRoot can verify it (a user name cannot be checked without the image's passwd).
USER 65532:65532
EXPOSE 3000
ENTRYPOINT ["/nodejs/bin/node"]
CMD ["server/main.mjs"]
