// The arithmetic of `npm run bench:stream`: when a record became visible, and the latency figures it prints.

/** count, p50, p95 and max of latencies in milliseconds (nearest-rank percentiles). */
export interface LatencyStats {
  count: number;
  p50: number;
  p95: number;
  max: number;
}

/** Nearest-rank percentile of ascending `sorted` values: the smallest value with at least p% at or below it. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

export function latencyStats(latenciesMs: readonly number[]): LatencyStats {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    max: sorted.length === 0 ? NaN : sorted[sorted.length - 1],
  };
}

/** The greatest of `times` and `floor`. A loop: spreading a long run's acknowledgements (360,000 in 30 minutes) into
 * Math.max's arguments overflows the call stack. */
export function latest(times: Iterable<number>, floor: number): number {
  let greatest = floor;
  for (const time of times) if (time > greatest) greatest = time;
  return greatest;
}

/** How many records are due by `elapsedMs` at `ratePerSecond`, less those already sent. */
export function dueNow(ratePerSecond: number, elapsedMs: number, sent: number, total: number): number {
  return Math.max(0, Math.min(total, Math.floor((ratePerSecond * elapsedMs) / 1000)) - sent);
}

/** A cleaned pin row as the benchmark reads it: its key, category and arrival time (ISO-8601, UTC). */
export interface PinRow {
  ind: number;
  category: string | null;
  arrived_at: string;
}

/** A row of category_activity_1m. */
export interface ActivityRow {
  window_start: string;
  category: string | null;
  posts: number;
}

const windowOf = (timestamp: string): string => timestamp.slice(0, 16);
const groupKey = (window: string, category: string | null): string => `${window}|${category ?? ""}`;

/**
 * The pins counted in category_activity_1m at one read. The job counts a pin in the same micro-batch that
 * merges it into pin_stream, so in each (window, category) the metric's `posts` covers the pins that reached
 * pin_stream first: the first `posts` of that group in order of `firstSeen` (when each pin was first read in
 * pin_stream, earlier reads first; a pin not yet seen is not counted).
 */
export function pinsCountedInMetric(
  pins: readonly PinRow[],
  activity: readonly ActivityRow[],
  firstSeen: ReadonlyMap<number, number>,
): number[] {
  const posts = new Map(
    activity.map((row) => [groupKey(windowOf(row.window_start), row.category), row.posts]),
  );
  const groups = new Map<string, PinRow[]>();
  for (const pin of pins) {
    if (!firstSeen.has(pin.ind)) continue;
    const key = groupKey(windowOf(pin.arrived_at), pin.category);
    const group = groups.get(key);
    if (group) group.push(pin);
    else groups.set(key, [pin]);
  }
  const counted: number[] = [];
  for (const [key, group] of groups) {
    group.sort((a, b) => firstSeen.get(a.ind)! - firstSeen.get(b.ind)! || a.ind - b.ind);
    for (const pin of group.slice(0, posts.get(key) ?? 0)) counted.push(pin.ind);
  }
  return counted;
}
