// npm run bench:stream -- [--rate N] [--duration S] [--timeout S] [--state-dir DIR]: end-to-end latency of the
// stream path against a live local stack (`npm run local -- --live`). Sends posts through the gateway at a fixed
// rate of Kinesis records per second for a fixed time, and measures per record the time from the API's
// acknowledgement to the row being visible in its cleaned table and, for pins, in category_activity_1m.
// A benchmark, not a test: it prints the figures and fails only when it cannot measure.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
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
const POLL_MS = 1_000;
const CONNECTIONS = 8;
const [CATEGORY_ACTIVITY] = METRIC_TABLES;
const READER = path.join(__dirname, "read_columns.py");
/** Keys far above the posts local mode sends, one block of KEY_BLOCK per second of the clock, so runs never collide. */
const KEY_BASE = 1_000_000_000;
const KEY_BLOCK = 10_000;

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

type Columns = Record<string, unknown>[];

async function readTables(specs: Record<string, string>): Promise<Record<string, Columns>> {
  const { stdout } = await promisify(execFile)(
    JOBS_PYTHON,
    [READER, ...Object.entries(specs).map(([dir, columns]) => `${dir}=${columns}`)],
    { maxBuffer: 512 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as Record<string, Columns>;
}

function line(label: string, stats: LatencyStats): string {
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  return `${label.padEnd(22)} count ${String(stats.count).padStart(6)}  p50 ${s(stats.p50)}  p95 ${s(stats.p95)}  max ${s(stats.max)}`;
}

async function main(argv: string[]): Promise<number> {
  const args = parse(argv);
  const layout = layoutOf(args.stateDir);
  const stack = readStackFile(layout);
  if (!stack)
    throw new RuntimeFailure(
      `no local stack runs from ${layout.stateDir}; start one with the stream job running: npm run local -- --live`,
    );
  const dirs = {
    ...Object.fromEntries(TABLES.map((table) => [table, path.join(layout.streamDir, STREAM_TABLES[table])])),
    activity: path.join(layout.streamDir, CATEGORY_ACTIVITY),
  } as Record<Table | "activity", string>;

  const records = outgoing(args.rate * args.durationS);
  const transport = new ApiTransport(stack.endpoints.outputs, CONNECTIONS);
  const ackedAt = new Map<string, number>();
  const visibleAt = new Map<string, number>();
  const metricAt = new Map<number, number>();
  const firstSeenPin = new Map<number, number>();
  const id = (table: Table, key: number): string => `${table}:${key}`;
  let failed = 0;
  let lastError = "";

  console.log(
    `bench:stream: ${records.length} records at ${args.rate} records/s for ${args.durationS} s through ${stack.endpoints.outputs.apiUrl}`,
  );
  const started = Date.now();
  const inFlight = new Set<Promise<void>>();
  const sending = (async () => {
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
  })();
  let sendingDone = false;
  void sending.then(() => (sendingDone = true));

  const pins = records.filter((item) => item.table === "pin");
  const deadline = started + (args.durationS + args.timeoutS) * 1000;
  for (;;) {
    const readAt = Date.now();
    const tables = await readTables({
      [dirs.pin]: "ind,category,arrived_at",
      [dirs.geo]: "ind",
      [dirs.user]: "ind",
      [dirs.activity]: "window_start,category,posts",
    }).catch(() => undefined);
    if (tables) {
      for (const table of TABLES) {
        for (const row of tables[dirs[table]]) {
          const key = Number(row.ind);
          if (table === "pin" && !firstSeenPin.has(key)) firstSeenPin.set(key, readAt);
          if (ackedAt.has(id(table, key)) && !visibleAt.has(id(table, key)))
            visibleAt.set(id(table, key), readAt);
        }
      }
      const counted = pinsCountedInMetric(
        tables[dirs.pin] as unknown as PinRow[],
        tables[dirs.activity] as unknown as ActivityRow[],
        firstSeenPin,
      );
      for (const key of counted)
        if (ackedAt.has(id("pin", key)) && !metricAt.has(key)) metricAt.set(key, readAt);
    }
    const allSeen =
      sendingDone &&
      visibleAt.size === ackedAt.size &&
      pins.every((p) => metricAt.has(p.key) || !ackedAt.has(id("pin", p.key)));
    if (allSeen) break;
    if (Date.now() > deadline) {
      console.log(
        `bench:stream: timed out ${args.timeoutS} s after sending: ${ackedAt.size - visibleAt.size} acknowledged records not yet in their cleaned table; is the stream job running (npm run local -- logs stream-job)?`,
      );
      break;
    }
    await sleep(Math.max(0, POLL_MS - (Date.now() - readAt)));
  }
  await sending;
  await transport.close();

  const sendSeconds = (Math.max(...ackedAt.values(), started) - started) / 1000;
  const cleaned = latencyStats([...visibleAt].map(([key, at]) => at - ackedAt.get(key)!));
  const metric = latencyStats([...metricAt].map(([key, at]) => at - ackedAt.get(id("pin", key))!));
  console.log(
    `sent ${ackedAt.size} records in ${sendSeconds.toFixed(1)} s (${(ackedAt.size / sendSeconds).toFixed(1)} records/s), ${failed} refused${failed ? ` (last: ${lastError})` : ""}`,
  );
  console.log(`latency from the API's acknowledgement to visible (read every ${POLL_MS / 1000} s):`);
  console.log(line("cleaned tables", cleaned));
  console.log(line(CATEGORY_ACTIVITY, metric));
  console.log(`p95 latency  ${(cleaned.p95 / 1000).toFixed(2)} s`);
  const complete = failed === 0 && cleaned.count === ackedAt.size && metric.count === pins.length;
  return complete ? EXIT.ok : EXIT.failure;
}

runCli("bench:stream", () => main(process.argv.slice(2)));
