// The steps of a local run: seed, send, wait for the sink, run the jobs, count every hop, judge, write the report.
import fs from "node:fs";
import path from "node:path";
import { RuntimeFailure } from "../cli/errors";
import {
  GOLD_TABLES,
  QUARANTINE_TABLES,
  SILVER_TABLES,
  STREAM_TABLES,
  TABLES,
  type PerTable,
} from "../contract";
import {
  acknowledged,
  kafkaEndOffsets,
  kinesisRecordCounts,
  SinkLineCounter,
  sinkLineCounts,
  sourceKeys,
} from "./counts";
import { distinctCounts, isDeltaTable, readRows, type Row } from "./delta";
import type { Layout } from "./layout";
import { quarantineGroupsIn } from "./report/lake";
import { writeReport } from "./report/write";
import {
  formatSeconds,
  heartbeatLine,
  JOBS_PYTHON,
  startHeartbeat,
  startTool,
  TSX,
  type ToolRun,
} from "./run-tool";
import { sleep } from "./services/net";
import type { StackEndpoints } from "./stack";
import type { QuarantineGroup, RunResult, RunSummary, StepTiming } from "./run-result";
import { verdictOf, type PathName } from "./verdict";

/** Which jobs a run runs: both, or one (`jobs --batch-only`, `--stream-only`). */
type JobChoice = Record<PathName, boolean>;
export const BOTH_JOBS: JobChoice = { batch: true, stream: true };

/** How the jobs run: which ones, and whether Spark keeps its UI on 4040 and writes an event log. */
export interface JobOptions {
  jobs: JobChoice;
  sparkUi: boolean;
}
const DEFAULT_JOB_OPTIONS: JobOptions = { jobs: BOTH_JOBS, sparkUi: false };

export interface StepContext {
  endpoints: StackEndpoints;
  layout: Layout;
  say: (line: string) => void;
  /** Tools still running, so that an interrupted run can stop them. */
  running: Set<ToolRun>;
}

const EMULATOR = path.join("emulator", "cli.ts");
const SEND_TIMEOUT_MS = 30 * 60_000;
const JOB_TIMEOUT_MS = 30 * 60_000;
const SINK_TIMEOUT_MS = 5 * 60_000;

/** Spark's event log of a local run, for a History Server (`--spark-ui`). */
const sparkEventsDir = (layout: Layout): string => path.join(layout.stateDir, "spark-events");

// Spark's Python workers must run the jobs' environment too, or they cannot import the jobs' data source.
function jobEnv(layout: Layout, sparkUi: boolean): NodeJS.ProcessEnv {
  const env = { ...process.env, PYSPARK_PYTHON: JOBS_PYTHON, PYSPARK_DRIVER_PYTHON: JOBS_PYTHON };
  return sparkUi ? { ...env, PINTEREST_JOBS_UI: "1", PINTEREST_JOBS_EVENT_LOG: sparkEventsDir(layout) } : env;
}

/** Starts a tool whose output goes to logs/<logName>.log; it is stopped if the run is interrupted. */
function start(
  ctx: StepContext,
  label: string,
  command: string,
  args: string[],
  logName: string,
  timeoutMs: number,
  waitingFor: string,
  env?: NodeJS.ProcessEnv,
): ToolRun {
  // The emulator reads the database URL (its password included) from EMULATOR_DB_URL, not from --db, so that
  // it is on no command line (ps) and in no log (startTool writes the command line into the step's log).
  env ??= { ...process.env, EMULATOR_DB_URL: ctx.endpoints.dbUrl };
  const tool = startTool({
    label,
    command,
    args,
    logFile: path.join(ctx.layout.logsDir, `${logName}.log`),
    timeoutMs,
    env,
    heartbeat: { say: ctx.say, waitingFor },
  });
  ctx.running.add(tool);
  void tool.done.finally(() => ctx.running.delete(tool)).catch(() => undefined);
  return tool;
}

function run(
  ctx: StepContext,
  label: string,
  command: string,
  args: string[],
  logName: string,
  timeoutMs: number,
  waitingFor: string,
): Promise<void> {
  return start(ctx, label, command, args, logName, timeoutMs, waitingFor).done;
}

export async function seed(ctx: StepContext, posts: number): Promise<void> {
  ctx.say(`seeding ${posts} posts into MariaDB (emulator seed)`);
  await run(
    ctx,
    "emulator seed",
    TSX,
    [EMULATOR, "seed", "--posts", String(posts), "--seed", "1"],
    "emulator-seed",
    SEND_TIMEOUT_MS,
    "the emulator to write the posts to MariaDB",
  );
}

/** How the emulator sends: records per request, requests in flight, records per second (0 = no limit). */
export interface Load {
  batchSize: number;
  concurrency: number;
  rate: number;
}

export const DEFAULT_LOAD: Load = { batchSize: 500, concurrency: 4, rate: 0 };

/** Sends every post through the gateway with the emulator: `mode` batch (Kafka REST) or stream (Kinesis). */
export async function send(
  ctx: StepContext,
  mode: "batch" | "stream",
  load: Load = DEFAULT_LOAD,
): Promise<void> {
  const failedFile = path.join(ctx.layout.stateDir, "emulator", `failed-${mode}.jsonl`);
  const args = [EMULATOR, mode, "--outputs", ctx.layout.outputsFile, "--mode", "sequential", "--all"];
  args.push(
    "--batch-size",
    String(load.batchSize),
    "--concurrency",
    String(load.concurrency),
    "--rate",
    String(load.rate),
  );
  args.push("--failed-file", failedFile);
  const via = mode === "batch" ? "the gateway's Kafka REST endpoint" : "the gateway's Kinesis endpoint";
  await run(
    ctx,
    `emulator ${mode}`,
    TSX,
    args,
    `emulator-${mode}`,
    SEND_TIMEOUT_MS,
    `${via} to accept every record`,
  );
}

/** Waits until the sink files hold as many lines as Kafka holds records, for every topic. */
export async function waitForSink(ctx: StepContext): Promise<PerTable<number>> {
  const { outputs, kafkaBootstrap, logsDir } = ctx.endpoints;
  const kafka = await kafkaEndOffsets(kafkaBootstrap, outputs.topics);
  ctx.say(
    `waiting for the sink to write ${TABLES.map((t) => `${kafka[t]} ${t}`).join(", ")} records to ${outputs.mountDir}`,
  );
  const started = Date.now();
  const deadline = started + SINK_TIMEOUT_MS;
  // Remembers each object's count, so a poll reads only the objects written since the last one.
  const sink = new SinkLineCounter(outputs.mountDir, outputs.topics);
  let lines = sink.written();
  const progress = (): string => TABLES.map((table) => `${table} ${lines[table]}/${kafka[table]}`).join(", ");
  const stopHeartbeat = startHeartbeat(ctx.say, () =>
    heartbeatLine(
      "sink",
      Date.now() - started,
      `Kafka Connect to write ${progress()}`,
      path.join(logsDir, "connect.log"),
    ),
  );
  try {
    return await waitForLines();
  } finally {
    stopHeartbeat();
  }

  async function waitForLines(): Promise<PerTable<number>> {
    for (;;) {
      lines = sink.written();
      if (TABLES.every((table) => lines[table] >= kafka[table])) return kafka;
      if (Date.now() > deadline) {
        throw new RuntimeFailure(
          `the sink wrote only ${progress()} records within ${SINK_TIMEOUT_MS / 1000} s (log: ${path.join(logsDir, "connect.log")})`,
        );
      }
      await sleep(500);
    }
  }
}

function readSummaryJson(file: string, job: string): Record<string, unknown> {
  if (!fs.existsSync(file)) throw new RuntimeFailure(`${job} wrote no summary at ${file}`);
  return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
}

/** `pin=A,geo=B,user=C`: how the jobs take the topic and stream names the stack outputs hold. */
function tableMap(names: PerTable<string>): string {
  return TABLES.map((table) => `${table}=${names[table]}`).join(",");
}

export interface JobSummaries {
  batch: Record<string, unknown>;
  stream: Record<string, unknown>;
}

/** The jobs' process, started before their input is complete; each job starts when its gate opens. */
interface StartedJobs {
  /** Lets the batch job start (its input, the sink's objects, is complete). */
  openBatch(): void;
  /** Lets the stream job start (the stream traffic is in Kinesis). */
  openStream(): void;
  /** The jobs' summaries once both are done. */
  done: Promise<Partial<JobSummaries>>;
  kill(): void;
}

/**
 * Starts the batch job and the stream job's available-now run side by side in one Spark session
 * (pinterest_jobs.batch_and_stream): one JVM instead of two in sequence, started while the traffic is still being
 * sent, each job waiting for its gate file. Each job gets exactly the parameters its own entry point takes on
 * Databricks.
 */
export function startJobs(ctx: StepContext, options: JobOptions = DEFAULT_JOB_OPTIONS): StartedJobs {
  const { layout, endpoints } = ctx;
  const jobsDir = path.join(layout.stateDir, "jobs");
  const summaryFile = path.join(jobsDir, "jobs-summary.json");
  const gates = { batch: path.join(jobsDir, "go-batch"), stream: path.join(jobsDir, "go-stream") };
  fs.mkdirSync(jobsDir, { recursive: true });
  for (const file of [summaryFile, gates.batch, gates.stream]) fs.rmSync(file, { force: true });
  const args = ["-m", "pinterest_jobs.batch_and_stream", "--summary-json", summaryFile];
  args.push("--batch-after", gates.batch, "--stream-after", gates.stream);
  if (options.jobs.batch) {
    args.push("--batch", "--input", layout.mountDir, "--output", layout.batchDir);
    args.push("--checkpoint", layout.batchCheckpointDir, "--topics", tableMap(endpoints.outputs.topics));
  }
  if (options.jobs.stream) {
    args.push("--stream", "--source", "local-kinesis", "--endpoint", endpoints.kinesisEndpoint);
    args.push("--streams", tableMap(endpoints.outputs.streams), "--output", layout.streamDir);
    args.push("--checkpoint", layout.checkpointDir, "--available-now");
  }
  const which = PATHS_OF(options.jobs);
  ctx.say(
    `starting Spark for the ${which.join(" and ")} job${which.length > 1 ? "s" : ""}` +
      (options.jobs.batch ? ` (batch: ${layout.mountDir} -> ${layout.batchDir} once the sink is done)` : "") +
      (options.jobs.stream
        ? ` (stream: Kinesis -> ${layout.streamDir} once the stream traffic is sent)`
        : "") +
      (options.sparkUi ? `; Spark UI on http://127.0.0.1:4040, event log in ${sparkEventsDir(layout)}` : ""),
  );
  const waitingFor = "Spark to write silver and gold from the sink files, and the stream tables from Kinesis";
  const tool = start(
    ctx,
    "jobs",
    JOBS_PYTHON,
    args,
    "jobs",
    JOB_TIMEOUT_MS,
    waitingFor,
    jobEnv(layout, options.sparkUi),
  );
  const open = (gate: string) => (): void => fs.writeFileSync(gate, "");
  const done = tool.done.then(() => {
    const summary = readSummaryJson(summaryFile, "the jobs") as Partial<JobSummaries>;
    for (const job of which)
      if (!summary[job]) throw new RuntimeFailure(`the jobs' summary ${summaryFile} lacks the ${job} job`);
    return summary;
  });
  // A run that fails before the jobs are awaited must not leave an unhandled rejection behind.
  done.catch(() => undefined);
  return { openBatch: open(gates.batch), openStream: open(gates.stream), done, kill: () => tool.kill() };
}

const PATHS_OF = (jobs: JobChoice): PathName[] => (["batch", "stream"] as const).filter((job) => jobs[job]);

function perTableOf(value: unknown, what: string): PerTable<number> {
  const counts = value as Partial<PerTable<number>> | undefined;
  if (!counts || TABLES.some((table) => typeof counts[table] !== "number")) {
    throw new RuntimeFailure(`${what} lacks per-table counts {pin, geo, user}: ${JSON.stringify(value)}`);
  }
  return { pin: counts.pin!, geo: counts.geo!, user: counts.user! };
}

async function distinctKeys(dir: string, tables: PerTable<string>): Promise<PerTable<number>> {
  const [pin, geo, user] = await distinctCounts(
    "ind",
    TABLES.map((table) => path.join(dir, tables[table])),
  );
  return { pin, geo, user };
}

/** Quarantined records of a local run, from the jobs' quarantine tables (absent: none). */
export async function quarantineGroups(layout: Layout): Promise<QuarantineGroup[]> {
  const tables: Partial<Record<PathName, string>> = {};
  const batch = path.join(layout.batchDir, QUARANTINE_TABLES.batch);
  const stream = path.join(layout.streamDir, QUARANTINE_TABLES.stream);
  if (isDeltaTable(batch)) tables.batch = batch;
  if (isDeltaTable(stream)) tables.stream = stream;
  return quarantineGroupsIn(tables);
}

/** Counts every hop of the paths whose job ran, once sending, the sink and the jobs are done. */
export async function summarize(ctx: StepContext, jobs: Partial<JobSummaries>): Promise<RunSummary> {
  const { endpoints, layout } = ctx;
  const keys = await sourceKeys(endpoints.dbUrl);
  const gateway = await acknowledged(endpoints.outputs, keys);
  const quarantine = (await quarantineGroups(layout)).filter((group) => jobs[group.path]);
  const summary: RunSummary = {
    prefix: endpoints.prefix,
    mount: layout.mountDir,
    gold: layout.batchDir,
    source: { pin: keys.pin.length, geo: keys.geo.length, user: keys.user.length },
    quarantine,
  };
  if (jobs.batch)
    summary.batch = {
      ...gateway.batch,
      kafka: await kafkaEndOffsets(endpoints.kafkaBootstrap, endpoints.outputs.topics),
      s3: sinkLineCounts(layout.mountDir, endpoints.outputs.topics),
      silver: await distinctKeys(layout.batchDir, SILVER_TABLES),
      quarantined: perTableOf(jobs.batch.quarantined, "the batch job's summary field quarantined"),
    };
  if (jobs.stream)
    summary.stream = {
      ...gateway.stream,
      kinesis: await kinesisRecordCounts(endpoints.kinesisEndpoint, endpoints.outputs.streams),
      delta: await distinctKeys(layout.streamDir, STREAM_TABLES),
      quarantined: perTableOf(jobs.stream.quarantined, "the stream job's summary field quarantined"),
    };
  return summary;
}

export async function readGold(layout: Layout): Promise<Record<string, Row[]>> {
  const rows = await readRows(GOLD_TABLES.map((name) => path.join(layout.batchDir, name)));
  return Object.fromEntries(GOLD_TABLES.map((name, index) => [name, rows[index]]));
}

/** Times each step of a run, in order, and says how long each took. */
export class StepClock {
  readonly steps: StepTiming[] = [];

  constructor(private readonly say: (line: string) => void) {}

  async time<T>(step: string, work: () => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
      return await work();
    } finally {
      const ms = Date.now() - started;
      this.steps.push({ step, seconds: Math.round(ms / 100) / 10 });
      this.say(`${step}: done in ${formatSeconds(ms)}`);
    }
  }
}

export const REPORT_FILE = "report.html";

/**
 * The jobs against a stack, started at once: the stream job runs as soon as `streamSent` resolves, the batch job
 * once `batchSent` has resolved and the sink has written every record Kafka holds. Nothing waits for what it does
 * not need: the Spark session starts while the traffic is still being sent.
 */
export async function runJobs(
  ctx: StepContext,
  clock: StepClock,
  options: JobOptions = DEFAULT_JOB_OPTIONS,
  sent: { batch: Promise<unknown>; stream: Promise<unknown> } = {
    batch: Promise.resolve(),
    stream: Promise.resolve(),
  },
): Promise<RunSummary> {
  const jobs = startJobs(ctx, options);
  try {
    const stream = sent.stream.then(() => jobs.openStream());
    const batch = sent.batch.then(async () => {
      if (options.jobs.batch) await clock.time("sink", () => waitForSink(ctx));
      jobs.openBatch();
    });
    await Promise.all([stream, batch]);
    const summaries = await clock.time(`${PATHS_OF(options.jobs).join(" and ")} jobs`, () => jobs.done);
    return await clock.time("count every hop", () => summarize(ctx, summaries));
  } catch (error) {
    jobs.kill();
    throw error;
  }
}

/** Judges the counts, writes the summary file and the report. */
export async function finish(
  ctx: StepContext,
  clock: StepClock,
  counts: RunSummary,
  summaryFile: string,
): Promise<RunResult> {
  const verdict = verdictOf(counts);
  const report = path.join(ctx.layout.stateDir, REPORT_FILE);
  const summary: RunResult = {
    ...counts,
    verdict: { ok: verdict.ok, line: verdict.line, failed: verdict.checks.filter((check) => !check.ok) },
    steps: clock.steps,
    report,
  };
  await clock.time("report", () =>
    writeReport({ lakeDir: path.dirname(ctx.layout.batchDir), summary, out: report }),
  );
  fs.mkdirSync(path.dirname(summaryFile), { recursive: true });
  fs.writeFileSync(summaryFile, JSON.stringify(summary, null, 2) + "\n");
  return summary;
}

/** The whole run against a started stack; returns the summary (also written to the summary file). */
export async function runPipeline(
  ctx: StepContext,
  opts: { posts: number; summaryFile: string; clock: StepClock; sparkUi?: boolean },
): Promise<RunResult> {
  const { clock } = opts;
  let seeded!: () => void;
  const seeding = new Promise<void>((resolve) => (seeded = resolve));
  // The jobs' Spark session starts while the database is seeded and the traffic sent.
  const sending = seeding.then(() => {
    ctx.say("sending every post as batch traffic (Kafka REST) and as stream traffic (Kinesis)");
    const sends = { batch: send(ctx, "batch"), stream: send(ctx, "stream") };
    void clock.time("send", () => Promise.all([sends.batch, sends.stream])).catch(() => undefined);
    return sends;
  });
  const counting = runJobs(
    ctx,
    clock,
    { jobs: BOTH_JOBS, sparkUi: opts.sparkUi ?? false },
    {
      batch: sending.then((sends) => sends.batch),
      stream: sending.then((sends) => sends.stream),
    },
  );
  counting.catch(() => undefined);
  await clock.time("seed", () => seed(ctx, opts.posts));
  seeded();
  const counts = await counting;
  return finish(ctx, clock, counts, opts.summaryFile);
}
