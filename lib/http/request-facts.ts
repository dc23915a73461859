import { AsyncLocalStorage } from "node:async_hooks";

import { actorOf, type Principal } from "../domain/auth";

/**
 * What the code handling a request learns that the server's one log line per request needs (issue 8): who the
 * caller was. The server (server/main.ts) runs Next's handler inside {@link withRequestFacts}; route handlers and
 * pages record the caller once they have authenticated it. The store lives on globalThis because the server and
 * Next's bundle each load their own copy of lib/ (as lib/app-registry.ts does).
 */
export interface RequestFacts {
  actorType: "user" | "token" | null;
  actorId: string | null;
}

declare global {
  var __userConsoleRequestFacts: AsyncLocalStorage<RequestFacts> | undefined;
}

const storage = (globalThis.__userConsoleRequestFacts ??= new AsyncLocalStorage<RequestFacts>());

export function withRequestFacts<T>(facts: RequestFacts, run: () => T): T {
  return storage.run(facts, run);
}

/** Records the authenticated caller of the current request; nothing outside one the server tracks (tests). */
export function recordCaller(principal: Principal | null): void {
  const facts = storage.getStore();
  if (!facts || !principal) return;
  const actor = actorOf(principal);
  facts.actorType = principal.kind;
  facts.actorId = actor.id;
}
