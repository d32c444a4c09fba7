// The steps of a local run: seed, send, wait for the sink, run the jobs, count every hop, judge, write the report.
import fs from "node:fs";
import path from "node:path";
import {
  GOLD_TABLES,
  QUARANTINE_TABLES,
  SILVER_TABLES,
  STREAM_TABLES,
  TABLES,
  type PerTable,
} from "../contract";
import {
  acceptedCounts,
  kafkaEndOffsets,
  kinesisRecordCounts,
  SinkLineCounter,
  sinkLineCounts,
  sourceCounts,
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
import { verdictOf, type HopCheck, type HopCounts, type PathName } from "./verdict";

/** Quarantined records of one table for one reason, as the quarantine tables hold them. */
export interface QuarantineGroup {
  path: PathName;
  table: string;
  reason: string;
  records: number;
}

export interface StepTiming {
  step: string;
  seconds: number;
}

/** Every hop's count, as `summarize` reads them once the jobs are done. */
export interface RunSummary extends HopCounts {
  prefix: string;
  mount: string;
  gold: string;
  quarantine: QuarantineGroup[];
}

export interface RunResult extends RunSummary {
  verdict: { ok: boolean; line: string; failed: HopCheck[] };
  steps: StepTiming[];
  report: string;
}

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

// Spark's Python workers must run the jobs' environment too, or they cannot import the jobs' data source.
const JOB_ENV = { ...process.env, PYSPARK_PYTHON: JOBS_PYTHON, PYSPARK_DRIVER_PYTHON: JOBS_PYTHON };

async function run(
  ctx: StepContext,
  label: string,
  command: string,
  args: string[],
  logName: string,
  timeoutMs: number,
  waitingFor: string,
): Promise<void> {
  const env = command === JOBS_PYTHON ? JOB_ENV : process.env;
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
  try {
    await tool.done;
  } finally {
    ctx.running.delete(tool);
  }
}

export async function seed(ctx: StepContext, posts: number): Promise<void> {
  ctx.say(`seeding ${posts} posts into MariaDB (emulator seed)`);
  await run(
    ctx,
    "emulator seed",
    TSX,
    [EMULATOR, "seed", "--db", ctx.endpoints.dbUrl, "--posts", String(posts), "--seed", "1"],
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
  const args = [
    EMULATOR,
    mode,
    "--outputs",
    ctx.layout.outputsFile,
    "--db",
    ctx.endpoints.dbUrl,
    "--mode",
    "sequential",
    "--all",
  ];
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
        throw new Error(
          `the sink wrote only ${progress()} records within ${SINK_TIMEOUT_MS / 1000} s (log: ${path.join(logsDir, "connect.log")})`,
        );
      }
      await sleep(500);
    }
  }
}

function readSummaryJson(file: string, job: string): Record<string, unknown> {
  if (!fs.existsSync(file)) throw new Error(`${job} wrote no summary at ${file}`);
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

/**
 * Runs the batch job and the stream job's available-now run side by side in one Spark session
 * (pinterest_jobs.batch_and_stream): one JVM instead of two in sequence. Each job gets exactly the
 * parameters its own entry point takes on Databricks.
 */
export async function runBothJobs(ctx: StepContext): Promise<JobSummaries> {
  const { layout, endpoints } = ctx;
  ctx.say(
    `running the batch job (${layout.mountDir} -> ${layout.batchDir}) and the stream job (Kinesis -> ${layout.streamDir}) on local Spark`,
  );
  const summaryFile = path.join(layout.stateDir, "jobs", "jobs-summary.json");
  fs.mkdirSync(path.dirname(summaryFile), { recursive: true });
  fs.rmSync(summaryFile, { force: true });
  const args = [
    "-m",
    "pinterest_jobs.batch_and_stream",
    "--summary-json",
    summaryFile,
    "--batch",
    "--input",
    layout.mountDir,
    "--output",
    layout.batchDir,
    "--checkpoint",
    layout.batchCheckpointDir,
    "--topics",
    tableMap(endpoints.outputs.topics),
    "--stream",
    "--source",
    "local-kinesis",
    "--endpoint",
    endpoints.kinesisEndpoint,
    "--streams",
    tableMap(endpoints.outputs.streams),
    "--output",
    layout.streamDir,
    "--checkpoint",
    layout.checkpointDir,
    "--available-now",
  ];
  const waitingFor = "Spark to write silver and gold from the sink files, and the stream tables from Kinesis";
  await run(ctx, "jobs", JOBS_PYTHON, args, "jobs", JOB_TIMEOUT_MS, waitingFor);
  const summary = readSummaryJson(summaryFile, "the jobs") as Partial<JobSummaries>;
  if (!summary.batch || !summary.stream)
    throw new Error(`the jobs' summary ${summaryFile} lacks batch or stream`);
  return { batch: summary.batch, stream: summary.stream };
}

function perTableOf(value: unknown, what: string): PerTable<number> {
  const counts = value as Partial<PerTable<number>> | undefined;
  if (!counts || TABLES.some((table) => typeof counts[table] !== "number")) {
    throw new Error(`${what} lacks per-table counts {pin, geo, user}: ${JSON.stringify(value)}`);
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

/** Counts every hop once sending, the sink and both jobs are done. */
export async function summarize(
  ctx: StepContext,
  batchJob: Record<string, unknown>,
  streamJob?: Record<string, unknown>,
): Promise<RunSummary> {
  const { endpoints, layout } = ctx;
  const accepted = await acceptedCounts(endpoints.outputs);
  const quarantine = await quarantineGroups(layout);
  // Without the stream job's summary, the stream quarantine table says the same per table.
  const streamQuarantined = streamJob
    ? perTableOf(streamJob.quarantined, "the stream job's summary field quarantined")
    : perTableOf(
        Object.fromEntries(
          TABLES.map((table) => [
            table,
            quarantine
              .filter((group) => group.path === "stream" && group.table === table)
              .reduce((sum, group) => sum + group.records, 0),
          ]),
        ),
        "the stream quarantine table",
      );
  return {
    prefix: endpoints.prefix,
    mount: layout.mountDir,
    gold: layout.batchDir,
    source: await sourceCounts(endpoints.dbUrl),
    batch: {
      accepted: accepted.batch,
      kafka: await kafkaEndOffsets(endpoints.kafkaBootstrap, endpoints.outputs.topics),
      s3: sinkLineCounts(layout.mountDir, endpoints.outputs.topics),
      silver: await distinctKeys(layout.batchDir, SILVER_TABLES),
      // Every record the batch job ever quarantined (its runs are incremental): the rows of its quarantine table.
      quarantined: perTableOf(batchJob.quarantine, "the batch job's summary field quarantine"),
    },
    stream: {
      accepted: accepted.stream,
      kinesis: await kinesisRecordCounts(endpoints.kinesisEndpoint, endpoints.outputs.streams),
      delta: await distinctKeys(layout.streamDir, STREAM_TABLES),
      quarantined: streamQuarantined,
    },
    quarantine,
  };
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

/** Both jobs against a stack whose traffic is in (a full run, or `jobs` on a kept stack). */
export async function runJobs(ctx: StepContext, clock: StepClock): Promise<RunSummary> {
  await clock.time("sink", () => waitForSink(ctx));
  const jobs = await clock.time("batch and stream jobs", () => runBothJobs(ctx));
  return clock.time("count every hop", () => summarize(ctx, jobs.batch, jobs.stream));
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
  opts: { posts: number; summaryFile: string; clock: StepClock },
): Promise<RunResult> {
  const { clock } = opts;
  await clock.time("seed", () => seed(ctx, opts.posts));
  ctx.say("sending every post as batch traffic (Kafka REST) and as stream traffic (Kinesis)");
  await clock.time("send", () => Promise.all([send(ctx, "batch"), send(ctx, "stream")]));
  const counts = await runJobs(ctx, clock);
  return finish(ctx, clock, counts, opts.summaryFile);
}
