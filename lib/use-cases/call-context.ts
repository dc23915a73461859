import { actorOf, type Actor, type Principal } from "../domain/auth";

/** What every use case acting for a caller receives: who, which request (for the audit log), and its deadline. */
export interface CallContext {
  readonly principal: Principal;
  readonly requestId: string | null;
  readonly traceId: string | null;
  /** The request's deadline and cancellation (client gone, server draining). */
  readonly signal?: AbortSignal;
}

/** The context of a call nobody has authenticated yet (sign-in, accepting an invitation). */
export interface AnonymousContext {
  readonly requestId: string | null;
  readonly traceId: string | null;
  readonly signal?: AbortSignal;
  /** The client's address, for throttling and the session list. */
  readonly ip: string | null;
  readonly userAgent: string | null;
}

/** The audit fields of an entry written on behalf of `context`. */
export function auditFrom(context: { requestId: string | null; traceId: string | null }, actor: Actor) {
  return { actor, requestId: context.requestId, traceId: context.traceId };
}

export function auditBy(context: CallContext) {
  return auditFrom(context, actorOf(context.principal));
}
