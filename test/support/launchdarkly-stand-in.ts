/**
 * A loopback server standing in for LaunchDarkly's streaming and events services (issue 9: flags from
 * LaunchDarkly, tested offline), speaking what the server SDK (node-server-sdk 9.13, js-server-sdk-common 2.21)
 * expects:
 * - `GET {streamUri}/all` with `Authorization: <SDK key>`, answered with server-sent events: `put` carries every
 *   flag (`{"path":"/","data":{"flags":{...},"segments":{}}}`), `patch` one flag (`{"path":"/flags/<key>",
 *   "data":<flag>}`, applied only if its version is newer), `delete` removes one (`{"path":..., "version":n}`);
 * - `POST {eventsUri}/diagnostic` at start and `POST {eventsUri}/bulk` when events are flushed (at close).
 * An unknown SDK key is answered 401, "invalid SDK key": the SDK gives up at once, without retrying.
 * Flag JSON comes from lib/domain/feature-flags.ts (toSdkFlag), so the shape served is ours.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

import { toSdkFlag, type LdFlag } from "../../lib/domain/feature-flags";

/** What the stand-in received, in order. */
export interface Received {
  method: string;
  path: string;
  authorization: string | undefined;
  body: string;
}

export interface LaunchDarklyStandIn {
  /** Use it as baseUri, streamUri and eventsUri. */
  origin: string;
  received: Received[];
  /** A new environment serving `flags`; returns its SDK key. */
  environment(...flags: LdFlag[]): string;
  /** Sends an event down every open stream of the environment, as LaunchDarkly does when a flag is edited; returns how many. */
  push(sdkKey: string, event: "patch" | "delete", data: unknown): number;
  close(): Promise<void>;
}

export async function startLaunchDarklyStandIn(): Promise<LaunchDarklyStandIn> {
  const environments = new Map<string, { flags: LdFlag[]; streams: ServerResponse[] }>();
  const received: Received[] = [];

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(Buffer.from(chunk));
    const authorization = request.headers.authorization;
    received.push({ method: request.method ?? "", path: request.url ?? "", authorization, body: Buffer.concat(chunks).toString("utf8") });
    const environment = authorization === undefined ? undefined : environments.get(authorization);
    if (!environment) {
      response.writeHead(401).end();
    } else if (request.method === "GET" && request.url === "/all") {
      response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      const flags = Object.fromEntries(environment.flags.map((flag) => [flag.key, toSdkFlag(flag)]));
      response.write(sse("put", { path: "/", data: { flags, segments: {} } }));
      environment.streams.push(response);
      response.on("close", () => environment.streams.splice(environment.streams.indexOf(response), 1));
    } else if (request.method === "POST" && (request.url === "/bulk" || request.url === "/diagnostic")) {
      response.writeHead(202).end();
    } else {
      response.writeHead(404).end();
    }
  }

  const server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the stand-in is not listening on TCP");
  return {
    origin: `http://127.0.0.1:${address.port}`,
    received,
    environment(...flags) {
      const sdkKey = `sdk-${randomUUID()}`;
      environments.set(sdkKey, { flags, streams: [] });
      return sdkKey;
    },
    push(sdkKey, event, data) {
      const streams = environments.get(sdkKey)?.streams ?? [];
      for (const stream of streams) stream.write(sse(event, data));
      return streams.length;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

function sse(event: "put" | "patch" | "delete", data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
