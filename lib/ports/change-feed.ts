/**
 * Messages between the replicas that share one database (PostgreSQL LISTEN/NOTIFY): flag changes (issue 9) and
 * credential changes (issue 16) each have a channel; messages are sent inside the transactions that make the
 * changes (NOTIFY), so they go out when, and only if, those commit. A message may be lost (a replica's connection drops): after
 * reconnecting, the feed delivers "*", meaning "anything may have changed".
 */
export interface ChangeFeed {
  /** Calls `onMessage` with each message's payload, and "*" after a reconnect, until close() is called. */
  subscribe(onMessage: (payload: string) => void): Promise<{ close(): Promise<void> }>;
}
