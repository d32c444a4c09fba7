// Delivers batches through a transport: retries with backoff and jitter, resends only what failed,
// and writes what could not be delivered to a JSON-lines file. Nothing is dropped silently.
import fs from "node:fs";
import path from "node:path";
import { TABLES, type PerTable, type Table } from "../contract";
import { RuntimeFailure } from "../cli/errors";
import type { WireRecord } from "./wire";

export interface Target {
  table: Table;
  kind: "topic" | "stream";
  /** Topic or stream name. */
  name: string;
}

export type Attempt =
  | { outcome: "ok" }
  /** Some records were refused (PutRecords entries with ErrorCode): `failed` are their positions. */
  | { outcome: "partial"; failed: number[]; error: string }
  /** Worth trying again: network error, 429, 5xx, throttling. */
  | { outcome: "retry"; error: string }
  /** Trying again cannot help (wrong key, wrong URL, missing stream): the run stops. */
  | { outcome: "fatal"; error: string };

export interface Transport {
  send(target: Target, records: readonly WireRecord[]): Promise<Attempt>;
  close(): Promise<void>;
}

export interface Stats {
  sent: PerTable<number>;
  failed: PerTable<number>;
  retries: number;
}

export const newStats = (): Stats => ({
  sent: { pin: 0, geo: 0, user: 0 },
  failed: { pin: 0, geo: 0, user: 0 },
  retries: 0,
});
export const total = (counts: PerTable<number>): number =>
  TABLES.reduce((sum, table) => sum + counts[table], 0);

/** Stops the run: the API refused a request in a way a retry cannot fix. */
export class FatalSendError extends RuntimeFailure {}

export interface RetryPolicy {
  maxTries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxTries: 6, baseDelayMs: 100, maxDelayMs: 5_000 };

/** "Full jitter" backoff: a random delay up to base × 2^(try-1), capped. */
export function backoffMs(
  policy: RetryPolicy,
  tryNumber: number,
  random: () => number = Math.random,
): number {
  return Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (tryNumber - 1)));
}

/**
 * Appends undeliverable records, one JSON object per line: target, record, last error. Each write is on disk
 * (fsync) before it returns, so a record the summary counts as failed is in the file even if the machine crashes.
 */
export class FailureFile {
  private fd: number | undefined;
  private opened = false;
  constructor(readonly file: string) {}

  get used(): boolean {
    return this.opened;
  }

  write(target: Target, records: readonly WireRecord[], error: string): void {
    if (this.fd === undefined) {
      fs.mkdirSync(path.dirname(path.resolve(this.file)), { recursive: true });
      this.fd = fs.openSync(this.file, "a");
      this.opened = true;
    }
    const at = new Date().toISOString();
    const lines = records.map((record) => JSON.stringify({ target, record, error, at }) + "\n").join("");
    const bytes = Buffer.from(lines);
    for (let done = 0; done < bytes.length;) done += fs.writeSync(this.fd, bytes, done);
    fs.fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Delivery {
  /** Set on Ctrl-C: requests in flight finish, but nothing is retried any more. */
  interrupted = false;

  constructor(
    private readonly transport: Transport,
    private readonly failures: FailureFile,
    readonly stats: Stats,
    private readonly policy: RetryPolicy = DEFAULT_RETRY,
  ) {}

  /** Resolves once every record is delivered or written to the failure file; throws FatalSendError to stop the run. */
  async deliver(target: Target, records: readonly WireRecord[]): Promise<void> {
    let pending = records;
    for (let tryNumber = 1; ; tryNumber++) {
      let attempt: Attempt;
      try {
        attempt = await this.transport.send(target, pending);
      } catch (error) {
        attempt = { outcome: "retry", error: (error as Error).message };
      }
      if (attempt.outcome === "ok") {
        this.stats.sent[target.table] += pending.length;
        return;
      }
      if (attempt.outcome === "fatal") {
        this.giveUp(target, pending, attempt.error);
        throw new FatalSendError(attempt.error);
      }
      if (attempt.outcome === "partial") {
        const failed = new Set(attempt.failed);
        this.stats.sent[target.table] += pending.length - failed.size;
        pending = pending.filter((_, position) => failed.has(position));
      }
      if (this.interrupted) {
        this.giveUp(target, pending, `interrupted before delivery; last error: ${attempt.error}`);
        return;
      }
      if (tryNumber >= this.policy.maxTries) {
        this.giveUp(target, pending, `gave up after ${tryNumber} tries; last error: ${attempt.error}`);
        return;
      }
      this.stats.retries += 1;
      await sleep(backoffMs(this.policy, tryNumber));
    }
  }

  private giveUp(target: Target, records: readonly WireRecord[], error: string): void {
    // On disk first: a record the summary counts as failed is in the failure file, whatever happens next.
    this.failures.write(target, records, error);
    this.stats.failed[target.table] += records.length;
  }
}
