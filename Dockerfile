# syntax=docker/dockerfile:1
# Three stages: dependencies, build, runtime. The runtime image holds only the standalone build (Next's
# traced server files, our bundled server in server/, static assets and the migrations), runs as a non-root
# user, and starts node directly (exec form) so SIGTERM reaches our server's graceful shutdown.
# server/dockerfile.process.test.ts rebuilds the runtime stage's layout from the COPY lines below and runs it.

ARG NODE_VERSION=22

FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# No dependency needs its install script (package.json "allowScripts" denies them; the npm of a Node 22 image
# predates that setting and would run them).
RUN npm ci --ignore-scripts --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1
COPY --from=deps /app/node_modules ./node_modules
COPY . .
RUN npm run build

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
WORKDIR /app
# HOSTNAME is the address to listen on. Kubernetes sets HOSTNAME to the pod's name, which overrides this
# line: a pod spec must set HOSTNAME=0.0.0.0 itself.
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    HOSTNAME=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=./data
RUN groupadd --system --gid 1001 app \
 && useradd --system --uid 1001 --gid app --no-create-home app \
 && mkdir -p /app/data && chown app:app /app/data
COPY --from=build --chown=app:app /app/.next/standalone ./
USER app
EXPOSE 3000
CMD ["node", "server/main.mjs"]
