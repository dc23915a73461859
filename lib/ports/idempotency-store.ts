/** A stored outcome of a request made with an Idempotency-Key. */
export interface IdempotencyRecord {
  /** Whose key it is (`user:<id>`, `token:<id>`): keys of different callers never meet. */
  scope: string;
  key: string;
  /** SHA-256 (hex) of the operation and its input: a retry must send the same request. */
  fingerprint: string;
  /** What the first request produced (JSON), replayed to retries. */
  result: unknown;
  createdAt: Date;
}

/**
 * Outcomes of idempotent requests, inside a unit of work: the record is written in the same transaction as the
 * change it describes, so a retry finds either both or neither.
 */
export interface IdempotencyStore {
  /**
   * Holds the key until the unit of work ends (a concurrent request with the same key waits here, then finds
   * what this one stored) and returns its record, unless there is none or it was created before `notBefore`.
   */
  claim(scope: string, key: string, options: { notBefore: Date }): Promise<IdempotencyRecord | null>;

  /** Stores the record, replacing an expired one with the same scope and key, and deletes every expired one. */
  save(record: IdempotencyRecord, options: { expiredBefore: Date }): Promise<void>;
}
