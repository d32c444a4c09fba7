// The steps of a local run: seed, send, wait for the sink, run the jobs, count every hop, print the gold tables.
import fs from "node:fs";
import path from "node:path";
import { GOLD_TABLES, SILVER_TABLES, STREAM_TABLES, TABLES, type PerTable } from "../contract";
import { acceptedCounts, kafkaEndOffsets, kinesisRecordCounts, sinkLineCounts, sourceCounts } from "./counts";
import { distinctCounts, formatTable, readRows, type Row } from "./delta";
import type { Layout } from "./layout";
import { JOBS_PYTHON, startTool, TSX, type ToolRun } from "./run-tool";
import { sleep } from "./services/net";
import type { StackEndpoints } from "./stack";

export interface RunSummary {
  prefix: string;
  mount: string;
  gold: string;
  source: PerTable<number>;
  batch: {
    accepted: PerTable<number>;
    kafka: PerTable<number>;
    s3: PerTable<number>;
    silver: PerTable<number>;
    quarantined: PerTable<number>;
  };
  stream: { accepted: PerTable<number>; kinesis: PerTable<number>; delta: PerTable<number> };
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
): Promise<void> {
  const env = command === JOBS_PYTHON ? JOB_ENV : process.env;
  const tool = startTool({
    label,
    command,
    args,
    logFile: path.join(ctx.layout.logsDir, `${logName}.log`),
    timeoutMs,
    env,
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
  await run(ctx, `emulator ${mode}`, TSX, args, `emulator-${mode}`, SEND_TIMEOUT_MS);
}

/** Waits until the sink files hold as many lines as Kafka holds records, for every topic. */
export async function waitForSink(ctx: StepContext): Promise<PerTable<number>> {
  const { outputs, kafkaBootstrap, logsDir } = ctx.endpoints;
  const kafka = await kafkaEndOffsets(kafkaBootstrap, outputs.topics);
  ctx.say(
    `waiting for the sink to write ${TABLES.map((t) => `${kafka[t]} ${t}`).join(", ")} records to ${outputs.mountDir}`,
  );
  const deadline = Date.now() + SINK_TIMEOUT_MS;
  for (;;) {
    const lines = sinkLineCounts(outputs.mountDir, outputs.topics);
    if (TABLES.every((table) => lines[table] >= kafka[table])) return kafka;
    if (Date.now() > deadline) {
      const behind = TABLES.map((table) => `${table} ${lines[table]}/${kafka[table]}`).join(", ");
      throw new Error(
        `the sink wrote only ${behind} records within ${SINK_TIMEOUT_MS / 1000} s (log: ${path.join(logsDir, "connect.log")})`,
      );
    }
    await sleep(500);
  }
}

function readSummaryJson(file: string, job: string): Record<string, unknown> {
  if (!fs.existsSync(file)) throw new Error(`${job} wrote no summary at ${file}`);
  return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
}

/** Runs one PySpark job module with `args` and returns the summary it writes with --summary-json. */
async function runJob(
  ctx: StepContext,
  job: "batch" | "stream",
  args: string[],
): Promise<Record<string, unknown>> {
  const summaryFile = path.join(ctx.layout.stateDir, "jobs", `${job}-summary.json`);
  fs.mkdirSync(path.dirname(summaryFile), { recursive: true });
  fs.rmSync(summaryFile, { force: true });
  const moduleArgs = ["-m", `pinterest_jobs.${job}`, ...args, "--summary-json", summaryFile];
  await run(ctx, `${job} job`, JOBS_PYTHON, moduleArgs, `${job}-job`, JOB_TIMEOUT_MS);
  return readSummaryJson(summaryFile, `the ${job} job`);
}

/** `pin=A,geo=B,user=C`: how the jobs take the topic and stream names the stack outputs hold. */
function tableMap(names: PerTable<string>): string {
  return TABLES.map((table) => `${table}=${names[table]}`).join(",");
}

export async function runBatchJob(ctx: StepContext): Promise<Record<string, unknown>> {
  ctx.say(`running the batch job on local Spark: ${ctx.layout.mountDir} -> ${ctx.layout.batchDir}`);
  return runJob(ctx, "batch", [
    "--input",
    ctx.layout.mountDir,
    "--output",
    ctx.layout.batchDir,
    "--topics",
    tableMap(ctx.endpoints.outputs.topics),
  ]);
}

export async function runStreamJob(ctx: StepContext): Promise<Record<string, unknown>> {
  ctx.say(`running the stream job on local Spark until it has caught up: Kinesis -> ${ctx.layout.streamDir}`);
  return runJob(ctx, "stream", [
    "--source",
    "local-kinesis",
    "--endpoint",
    ctx.endpoints.kinesisEndpoint,
    "--streams",
    tableMap(ctx.endpoints.outputs.streams),
    "--output",
    ctx.layout.streamDir,
    "--checkpoint",
    ctx.layout.checkpointDir,
    "--available-now",
  ]);
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

/** Counts every hop once sending, the sink and both jobs are done. */
export async function summarize(ctx: StepContext, batchJob: Record<string, unknown>): Promise<RunSummary> {
  const { endpoints, layout } = ctx;
  const accepted = await acceptedCounts(endpoints.outputs);
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
      quarantined: perTableOf(batchJob.quarantined, "the batch job's summary field quarantined"),
    },
    stream: {
      accepted: accepted.stream,
      kinesis: await kinesisRecordCounts(endpoints.kinesisEndpoint, endpoints.outputs.streams),
      delta: await distinctKeys(layout.streamDir, STREAM_TABLES),
    },
  };
}

export async function readGold(layout: Layout): Promise<Record<string, Row[]>> {
  const rows = await readRows(GOLD_TABLES.map((name) => path.join(layout.batchDir, name)));
  return Object.fromEntries(GOLD_TABLES.map((name, index) => [name, rows[index]]));
}

export function printGold(gold: Record<string, Row[]>, print: (text: string) => void): void {
  for (const [name, rows] of Object.entries(gold)) print(formatTable(name, rows) + "\n");
}

/** The whole run against a started stack; returns the summary (also written to the summary file). */
export async function runPipeline(
  ctx: StepContext,
  opts: { posts: number; summaryFile: string; print: (text: string) => void },
): Promise<RunSummary> {
  await seed(ctx, opts.posts);
  ctx.say("sending every post as batch traffic (Kafka REST) and as stream traffic (Kinesis)");
  await Promise.all([send(ctx, "batch"), send(ctx, "stream")]);
  await waitForSink(ctx);
  const batchJob = await runBatchJob(ctx);
  await runStreamJob(ctx);
  const summary = await summarize(ctx, batchJob);
  printGold(await readGold(ctx.layout), opts.print);
  fs.mkdirSync(path.dirname(opts.summaryFile), { recursive: true });
  fs.writeFileSync(opts.summaryFile, JSON.stringify(summary, null, 2) + "\n");
  return summary;
}
