// Sends posts: picks keys (sequential or random), reads their rows, and hands batches per table to the delivery,
// within the rate and concurrency asked for. Stops on a fatal answer, at the end of the selection, or on Ctrl-C.
import { TABLES } from "../contract";
import { Delivery, FatalSendError, total, type Stats, type Target } from "./delivery";
import { Random } from "./random";
import type { Post } from "./rows";
import { toWire } from "./wire";

export interface PostSource {
  /** Keys of every post available. */
  keys(): Promise<number[]>;
  /** Posts for `keys`, in that order (duplicates allowed). */
  fetch(keys: readonly number[]): Promise<Post[]>;
}

export interface Selection {
  mode: "sequential" | "random";
  /** Number of posts to send; undefined with a duration. */
  count?: number;
  durationMs?: number;
  seed: string;
}

export interface Load {
  /** Records per second over all tables; 0 = as fast as possible. */
  rate: number;
  concurrency: number;
  batchSize: number;
}

export interface RunResult {
  stats: Stats;
  durationMs: number;
  stoppedBy: "done" | "interrupt" | "fatal";
  fatalError?: string;
}

const FETCH_CHUNK = 1000;

/** Keys to send, in order: each key once in turn (wrapping around), or drawn with replacement. */
export function* selectKeys(keys: readonly number[], selection: Selection): Generator<number> {
  const random = new Random(`selection:${selection.seed}`);
  const limit = selection.count ?? Infinity;
  for (let i = 0; i < limit; i++) {
    yield selection.mode === "sequential"
      ? keys[i % keys.length]
      : keys[Math.floor(random.next() * keys.length)];
  }
}

function takeChunk(keys: Iterator<number>, size: number): number[] {
  const chunk: number[] = [];
  while (chunk.length < size) {
    const next = keys.next();
    if (next.done) break;
    chunk.push(next.value);
  }
  return chunk;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Run {
  private stopRequested: RunResult["stoppedBy"] | undefined;
  private fatalError: string | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly source: PostSource,
    private readonly delivery: Delivery,
    private readonly targets: (table: (typeof TABLES)[number]) => Target,
  ) {}

  /** Ctrl-C: no new requests; requests in flight finish, without further retries. */
  interrupt(): void {
    this.stopRequested ??= "interrupt";
    this.delivery.interrupted = true;
  }

  async execute(selection: Selection, load: Load): Promise<RunResult> {
    const started = Date.now();
    const keys = await this.source.keys();
    try {
      if (keys.length > 0)
        await this.dispatchAll(selectKeys(keys, selection), load, started, selection.durationMs);
    } finally {
      // Also when reading the database fails: what is in flight still completes (or is written down).
      await Promise.all(this.inFlight);
    }
    return {
      stats: this.delivery.stats,
      durationMs: Date.now() - started,
      stoppedBy: this.stopRequested ?? "done",
      fatalError: this.fatalError,
    };
  }

  private async dispatchAll(selected: Iterator<number>, load: Load, started: number, durationMs?: number) {
    const deadline = durationMs === undefined ? Infinity : started + durationMs;
    const chunkSize = Math.max(load.batchSize, Math.floor(FETCH_CHUNK / load.batchSize) * load.batchSize);
    let dispatched = 0;
    for (;;) {
      const posts = await this.source.fetch(takeChunk(selected, chunkSize));
      if (posts.length === 0) return;
      for (let start = 0; start < posts.length; start += load.batchSize) {
        const batch = posts.slice(start, start + load.batchSize);
        for (const table of TABLES) {
          while (this.inFlight.size >= load.concurrency) await Promise.race(this.inFlight);
          if (load.rate > 0) {
            const due = started + (dispatched / load.rate) * 1000;
            if (due > Date.now()) await sleep(due - Date.now());
          }
          if (this.stopRequested || Date.now() >= deadline) return;
          this.dispatch(this.targets(table), batch);
          dispatched += batch.length;
        }
      }
    }
  }

  private dispatch(target: Target, posts: readonly Post[]): void {
    const records = posts.map((post) => toWire(post[target.table]));
    const sending: Promise<void> = this.delivery
      .deliver(target, records)
      .catch((error: unknown) => {
        if (!(error instanceof FatalSendError)) throw error;
        this.fatalError ??= error.message;
        this.stopRequested = "fatal";
      })
      .finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }
}

export function summarize(result: RunResult, failedFile: string | null) {
  const { stats, durationMs } = result;
  const sent = total(stats.sent);
  return {
    sent,
    failed: total(stats.failed),
    retries: stats.retries,
    tables: Object.fromEntries(
      TABLES.map((table) => [table, { sent: stats.sent[table], failed: stats.failed[table] }]),
    ),
    durationSeconds: Number((durationMs / 1000).toFixed(3)),
    recordsPerSecond: Number((sent / Math.max(durationMs / 1000, 0.001)).toFixed(1)),
    failedFile,
    stoppedBy: result.stoppedBy,
    ...(result.fatalError ? { error: result.fatalError } : {}),
  };
}
