/**
 * A TCP relay in front of PostgreSQL's port for tests of database failures (issue 17): it counts the connections
 * made through it, and can black-hole new ones (accept them and never answer, as a host whose packets are
 * dropped looks to a client), which stopping PostgreSQL cannot show.
 */
import { createServer, Socket, type Server } from "node:net";

import { freePort } from "./free-port";

export interface TcpRelay {
  port: number;
  /** Connections opened through the relay so far (whether PostgreSQL took them or not). */
  readonly attempts: number;
  /** From now on new connections are accepted and never answered; those already relayed are cut. */
  blackHole(): void;
  /** Relays new connections again. */
  forward(): void;
  close(): void;
}

export async function startTcpRelay(targetPort: number): Promise<TcpRelay> {
  let attempts = 0;
  let holing = false;
  const sockets = new Set<Socket>();
  const relayServer: Server = createServer((client) => {
    attempts++;
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => undefined);
    if (holing) return; // accepted, never answered
    const upstream = new Socket();
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    // A refused or dropped upstream ends the client's connection too, as PostgreSQL itself would.
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
    upstream.connect(targetPort, "127.0.0.1", () => {
      client.pipe(upstream);
      upstream.pipe(client);
    });
    upstream.on("close", () => client.destroy());
    client.on("close", () => upstream.destroy());
  });
  const port = await freePort();
  await new Promise<void>((resolve) => relayServer.listen(port, "127.0.0.1", resolve));
  return {
    port,
    get attempts() {
      return attempts;
    },
    blackHole() {
      holing = true;
      for (const socket of sockets) socket.destroy();
    },
    forward() {
      holing = false;
    },
    close() {
      relayServer.close();
      for (const socket of sockets) socket.destroy();
    },
  };
}
