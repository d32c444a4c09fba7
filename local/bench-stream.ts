// npm run bench:stream -- [--rate N] [--duration S] [--timeout S] [--state-dir DIR]: end-to-end latency of the
// stream path against a live local stack (`npm run local -- --live`). Sends posts through the gateway at a fixed
// rate of Kinesis records per second for a fixed time, and measures per record the time from the API's
// acknowledgement to the record being visible in its cleaned table and in each metric table (for the refreshed
// ones, the first refresh whose commit names cleaned-table versions that hold it), p50/p95/max per table and,
// over runs of 10 minutes or more, p95 per 5-minute slice. It follows the tables' logs with one long-lived reader
// that reads only what each commit added. A benchmark, not a test: it prints the figures and fails only when it
// cannot measure or a record never became visible.
import { spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { EXIT, RuntimeFailure, UsageError, runCli } from "../cli/errors";
import { METRIC_TABLES, STREAM_TABLES, TABLES, type Table } from "../contract";
import type { Target } from "../emulator/delivery";
import { generatePosts } from "../emulator/generator";
import { ApiTransport } from "../emulator/transport-api";
import { toWire, type WireRecord } from "../emulator/wire";
import { readStackFile } from "./kept-stack";
import {
  dueNow,
  latencyStats,
  latest,
  pinsCountedInMetric,
  type ActivityRow,
  type LatencyStats,
  type PinRow,
} from "./latency";
import { DEFAULT_STATE_DIR, layoutOf } from "./layout";
import { JOBS_PYTHON } from "./run-tool";
import { sleep } from "./services/net";

const USAGE =
  "usage: npm run bench:stream -- [--rate RECORDS_PER_S] [--duration S] [--timeout S] [--state-dir DIR]";
const TICK_MS = 100;
const POLL_MS = 500;
/** With a run of at least two of these, p95 is also printed per slice of acknowledgement time, to show drift. */
const SLICE_S = 300;
const CONNECTIONS = 8;
const [CATEGORY_ACTIVITY, COUNTRY_ACTIVITY, TRENDING_PROFILES] = METRIC_TABLES;
const TAILER = path.join(__dirname, "tail_delta.py");
/** Keys far above the posts local mode sends, one block of KEY_BLOCK per second of the clock, so runs never collide. */
const KEY_BASE = 1_000_000_000;
const KEY_BLOCK = 200_000;

interface BenchArgs {
  rate: number;
  durationS: number;
  timeoutS: number;
  stateDir: string;
}

function parse(argv: string[]): BenchArgs {
  const args: BenchArgs = { rate: 200, durationS: 30, timeoutS: 120, stateDir: DEFAULT_STATE_DIR };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[++i];
    const positive = (): number => {
      if (value === undefined || !/^\d+$/.test(value) || Number(value) < 1)
        throw new UsageError(
          `${flag} needs a whole number of at least 1 (got ${value ?? "nothing"}); ${USAGE}`,
        );
      return Number(value);
    };
    if (flag === "--rate") args.rate = positive();
    else if (flag === "--duration") args.durationS = positive();
    else if (flag === "--timeout") args.timeoutS = positive();
    else if (flag === "--state-dir" && value) args.stateDir = path.resolve(value);
    else throw new UsageError(`unknown flag "${flag}"; ${USAGE}`);
  }
  if (Math.ceil((args.rate * args.durationS) / TABLES.length) > KEY_BLOCK)
    throw new UsageError(`--rate × --duration is at most ${KEY_BLOCK * TABLES.length} records per run`);
  return args;
}

interface Outgoing {
  table: Table;
  key: number;
  record: WireRecord;
}

/** Posts with fresh keys, each as its pin, geo and user record in turn. */
function outgoing(records: number): Outgoing[] {
  const base = KEY_BASE + (Math.floor(Date.now() / 1000) % (KEY_BASE / KEY_BLOCK)) * KEY_BLOCK;
  const posts = generatePosts(Math.ceil(records / TABLES.length), `bench-stream-${base}`);
  const out: Outgoing[] = [];
  posts.forEach((post, index) => {
    const key = base + index;
    post.pin.index = key;
    post.geo.ind = key;
    post.user.ind = key;
    for (const table of TABLES) out.push({ table, key, record: toWire(post[table]) });
  });
  return out.slice(0, records);
}

/** What one commit of a followed table changed (local/tail_delta.py). */
interface Commit {
  table: string;
  version: number;
  seenAt: number;
  userMetadata: string | null;
  dataChange: boolean;
  start?: boolean;
  added: [string, Record<string, unknown>[]][];
  removed: string[];
}

/**
 * The commits of the followed tables as they come, from one long-lived reader of their logs. `started` resolves
 * once the reader has each table's version at start: what is committed after that is reported, and only that.
 */
function follow(
  specs: string[],
  onCommit: (commit: Commit) => void,
): { started: Promise<void>; stop: () => void } {
  const reader = spawn(JOBS_PYTHON, [TAILER, String(POLL_MS), ...specs], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const pending = new Set(specs.map((spec) => spec.replace(/^@/, "").split("=")[0]));
  let ready: () => void = () => undefined;
  let failed: (error: Error) => void = () => undefined;
  const started = new Promise<void>((resolve, reject) => {
    ready = resolve;
    failed = reject;
  });
  reader.on("exit", (code) =>
    failed(
      new RuntimeFailure(`the Delta log reader (${TAILER}) exited with code ${code}; its error is above`),
    ),
  );
  createInterface({ input: reader.stdout }).on("line", (line) => {
    const commit = JSON.parse(line) as Commit;
    if (commit.start) {
      pending.delete(commit.table);
      if (pending.size === 0) ready();
    }
    onCommit(commit);
  });
  return { started, stop: () => reader.kill() };
}

function line(label: string, stats: LatencyStats): string {
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  return `${label.padEnd(30)} count ${String(stats.count).padStart(7)}  p50 ${s(stats.p50)}  p95 ${s(stats.p95)}  max ${s(stats.max)}`;
}

/** The versions of the cleaned tables a refresh read, from its commit's metadata (metrics.MetricRefresh). */
function refreshedVersions(commit: Commit): Record<string, number> | undefined {
  if (!commit.userMetadata) return undefined;
  return JSON.parse(commit.userMetadata) as Record<string, number>;
}

async function main(argv: string[]): Promise<number> {
  const args = parse(argv);
  const layout = layoutOf(args.stateDir);
  const stack = readStackFile(layout);
  if (!stack)
    throw new RuntimeFailure(
      `no local stack runs from ${layout.stateDir}; start one with the stream job running: npm run local -- --live`,
    );
  const dir = (name: string): string => path.join(layout.streamDir, name);
  const tableOfDir = new Map<string, string>([
    ...TABLES.map((table): [string, string] => [dir(STREAM_TABLES[table]), table]),
    ...METRIC_TABLES.map((name): [string, string] => [dir(name), name]),
  ]);

  const records = outgoing(args.rate * args.durationS);
  // A row can be committed before its acknowledgement reaches this process; it counts from the moment it is seen.
  const sending = new Set(records.map((item) => `${item.table}:${item.key}`));
  const transport = new ApiTransport(stack.endpoints.outputs, CONNECTIONS);
  const ackedAt = new Map<string, number>();
  const id = (table: string, key: number): string => `${table}:${key}`;
  /** When each record (table:key) became visible in each table that reflects it. */
  const visibleIn = new Map<string, Map<string, number>>(
    [...TABLES, ...METRIC_TABLES].map((name) => [name, new Map<string, number>()]),
  );
  const versionOf = { pin: new Map<number, number>(), geo: new Map<number, number>() };
  const firstSeenPin = new Map<number, number>();
  const pinRows: PinRow[] = [];
  const activityFiles = new Map<string, ActivityRow[]>();
  let failed = 0;
  let lastError = "";

  const onCommit = (commit: Commit): void => {
    const name = tableOfDir.get(commit.table)!;
    const seen = visibleIn.get(name)!;
    if ((TABLES as readonly string[]).includes(name)) {
      if (commit.start || !commit.dataChange) return;
      for (const [, rows] of commit.added)
        for (const row of rows) {
          const key = Number(row.ind);
          if (!sending.has(id(name, key)) || seen.has(id(name, key))) continue;
          seen.set(id(name, key), commit.seenAt);
          if (name === "pin" || name === "geo") versionOf[name].set(key, commit.version);
          if (name === "pin") {
            firstSeenPin.set(key, commit.seenAt);
            pinRows.push(row as unknown as PinRow);
          }
        }
      return;
    }
    if (name === CATEGORY_ACTIVITY) {
      for (const removed of commit.removed) activityFiles.delete(removed);
      for (const [file, rows] of commit.added) activityFiles.set(file, rows as unknown as ActivityRow[]);
      const counted = pinsCountedInMetric(pinRows, [...activityFiles.values()].flat(), firstSeenPin);
      for (const key of counted) if (!seen.has(id("pin", key))) seen.set(id("pin", key), commit.seenAt);
      return;
    }
    const versions = refreshedVersions(commit);
    if (!versions) return;
    for (const [key, pinVersion] of versionOf.pin) {
      if (seen.has(id("pin", key)) || pinVersion > versions[STREAM_TABLES.pin]) continue;
      if (name === COUNTRY_ACTIVITY) {
        const geoVersion = versionOf.geo.get(key);
        if (geoVersion === undefined || geoVersion > versions[STREAM_TABLES.geo]) continue;
      }
      seen.set(id("pin", key), commit.seenAt);
    }
  };

  const reader = follow(
    [
      ...TABLES.map(
        (table) => `${dir(STREAM_TABLES[table])}=${table === "pin" ? "ind,category,arrived_at" : "ind"}`,
      ),
      `@${dir(CATEGORY_ACTIVITY)}=window_start,category,posts`,
      `${dir(COUNTRY_ACTIVITY)}=posts`,
      `${dir(TRENDING_PROFILES)}=posts`,
    ],
    onCommit,
  );

  // Sending before the reader knows where each table starts would let the first commits pass unseen.
  let timer: NodeJS.Timeout | undefined;
  const noTables = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new RuntimeFailure(
            `the stream job's tables did not appear under ${layout.streamDir} within ${args.timeoutS} s; is the stream job running (npm run local -- logs stream-job)?`,
          ),
        ),
      args.timeoutS * 1000,
    );
  });
  try {
    await Promise.race([reader.started, noTables]);
  } catch (error) {
    reader.stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  console.log(
    `bench:stream: ${records.length} records at ${args.rate} records/s for ${args.durationS} s through ${stack.endpoints.outputs.apiUrl}`,
  );
  const started = Date.now();
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  while (sent < records.length) {
    const due = records.slice(sent, sent + dueNow(args.rate, Date.now() - started, sent, records.length));
    sent += due.length;
    for (const table of TABLES) {
      const batch = due.filter((item) => item.table === table);
      if (batch.length === 0) continue;
      const target: Target = { table, kind: "stream", name: stack.endpoints.outputs.streams[table] };
      const request = transport
        .send(
          target,
          batch.map((item) => item.record),
        )
        .then((attempt) => {
          const at = Date.now();
          if (attempt.outcome === "ok") for (const item of batch) ackedAt.set(id(table, item.key), at);
          else {
            failed += batch.length;
            lastError = attempt.error;
          }
        })
        .finally(() => inFlight.delete(request));
      inFlight.add(request);
    }
    await sleep(TICK_MS);
  }
  await Promise.all(inFlight);
  await transport.close();

  const pins = records.filter((item) => item.table === "pin" && ackedAt.has(id("pin", item.key)));
  const posts = pins.filter((item) => ackedAt.has(id("geo", item.key)));
  const expected = new Map<string, number>([
    ...TABLES.map((table): [string, number] => [
      table,
      records.filter((item) => item.table === table && ackedAt.has(id(table, item.key))).length,
    ]),
    [CATEGORY_ACTIVITY, pins.length],
    [COUNTRY_ACTIVITY, posts.length],
    [TRENDING_PROFILES, pins.length],
  ]);
  const complete = (): boolean => [...expected].every(([name, count]) => visibleIn.get(name)!.size >= count);
  const deadline = Date.now() + args.timeoutS * 1000;
  while (!complete() && Date.now() < deadline) await sleep(POLL_MS);
  reader.stop();
  if (!complete())
    console.log(
      `bench:stream: timed out ${args.timeoutS} s after sending: ${[...expected].map(([name, count]) => `${name} ${visibleIn.get(name)!.size}/${count}`).join(", ")}; is the stream job running (npm run local -- logs stream-job)?`,
    );

  const sendSeconds = (latest(ackedAt.values(), started) - started) / 1000;
  /** The acknowledgement a metric waits for: a record's own, or for a country count the later of pin and geo. */
  const ackOf = (name: string, record: string): number => {
    if (name !== COUNTRY_ACTIVITY) return ackedAt.get(record)!;
    const key = Number(record.split(":")[1]);
    return Math.max(ackedAt.get(id("pin", key))!, ackedAt.get(id("geo", key))!);
  };
  const latencies = (name: string, from = 0, to = Infinity): number[] =>
    [...visibleIn.get(name)!]
      .filter(([record]) => ackOf(name, record) >= from && ackOf(name, record) < to)
      .map(([record, at]) => at - ackOf(name, record));
  console.log(
    `sent ${ackedAt.size} records in ${sendSeconds.toFixed(1)} s (${(ackedAt.size / sendSeconds).toFixed(1)} records/s), ${failed} refused${failed ? ` (last: ${lastError})` : ""}`,
  );
  console.log(`latency from the API's acknowledgement to visible (logs followed every ${POLL_MS / 1000} s):`);
  const names = [...TABLES.map((table) => STREAM_TABLES[table]), ...METRIC_TABLES];
  const labelOf = (name: string): string => tableOfDir.get(dir(name)) ?? name;
  for (const name of names) console.log(line(name, latencyStats(latencies(labelOf(name)))));
  const cleaned = latencyStats(TABLES.flatMap((table) => latencies(table)));
  console.log(line("cleaned tables", cleaned));
  const slices = Math.floor(args.durationS / SLICE_S);
  if (slices >= 2) {
    console.log(`p95 per ${SLICE_S / 60}-minute slice of acknowledgement time:`);
    const header = names.map((name) => name.padStart(30)).join("");
    console.log(`${"slice".padEnd(10)}${header}`);
    for (let slice = 0; slice < slices; slice++) {
      const from = started + slice * SLICE_S * 1000;
      const cells = names.map((name) => {
        const stats = latencyStats(latencies(labelOf(name), from, from + SLICE_S * 1000));
        return `${(stats.p95 / 1000).toFixed(2)} s`.padStart(30);
      });
      console.log(`${`${slice * 5}-${slice * 5 + 5} min`.padEnd(10)}${cells.join("")}`);
    }
  }
  console.log(`p95 latency  ${(cleaned.p95 / 1000).toFixed(2)} s`);
  return failed === 0 && complete() ? EXIT.ok : EXIT.failure;
}

runCli("bench:stream", () => main(process.argv.slice(2)));
