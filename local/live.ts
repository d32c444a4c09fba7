// `npm run local -- --live`: the stack and the stream job running continuously, the posts sent as stream traffic,
// and the real-time metrics' latest window printed as it changes, until Ctrl-C or `npm run local:down`.
import fs from "node:fs";
import path from "node:path";
import { EXIT, RuntimeFailure, UsageError } from "../cli/errors";
import { METRIC_TABLES, TABLES, type PerTable } from "../contract";
import type { CliArgs } from "./args";
import { isDeltaTable, readRows, type Row } from "./delta";
import { readStackFile, writeStackFile } from "./kept-stack";
import { layoutOf, type Layout } from "./layout";
import { seed, send, type StepContext } from "./pipeline";
import { portsFrom } from "./ports";
import { JOBS_PYTHON, startTool, type ToolRun } from "./run-tool";
import { sleep } from "./services/net";
import { startStack } from "./stack";

/** One micro-batch every this many seconds: a processing-time trigger, as the job runs on Databricks. */
export const LIVE_TRIGGER_SECONDS = 1;
const POLL_MS = 2_000;
// The job runs until it is stopped; its time limit only guards against a run forgotten for days.
const JOB_TIME_LIMIT_MS = 7 * 24 * 3600_000;
const [CATEGORY_ACTIVITY, , TRENDING_PROFILES] = METRIC_TABLES;

function tableMap(names: PerTable<string>): string {
  return TABLES.map((table) => `${table}=${names[table]}`).join(",");
}

/** The arguments of the stream job running continuously against the local stack. */
export function liveJobArgs(
  ctx: Pick<StepContext, "endpoints" | "layout">,
  triggerSeconds: number,
): string[] {
  return [
    "-m",
    "pinterest_jobs.stream",
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
    "--trigger-seconds",
    String(triggerSeconds),
  ];
}

const minute = (value: unknown): string => String(value).slice(0, 16).replace("T", " ");

/**
 * The metrics' latest one-minute window (categories by posts, then name) and the rank-1 poster per category, as
 * the lines live mode prints; empty before the first post is counted.
 */
export function metricLines(categoryActivity: Row[], trending: Row[]): string[] {
  if (categoryActivity.length === 0) return [];
  const latest = categoryActivity
    .map((row) => String(row.window_start))
    .sort()
    .at(-1)!;
  const inLatest = categoryActivity
    .filter((row) => String(row.window_start) === latest)
    .sort(
      (a, b) => Number(b.posts) - Number(a.posts) || String(a.category).localeCompare(String(b.category)),
    );
  const total = categoryActivity.reduce((sum, row) => sum + Number(row.posts), 0);
  const leaders = trending
    .filter((row) => Number(row.rank) === 1)
    .sort((a, b) => String(a.category).localeCompare(String(b.category)))
    .map((row) => `${row.category}: ${row.poster_name} (${row.posts})`);
  return [
    `${CATEGORY_ACTIVITY} ${minute(latest)} UTC: ${inLatest.map((row) => `${row.category ?? "null"} ${row.posts}`).join(", ")} (${total} posts in all windows)`,
    `${TRENDING_PROFILES} rank 1: ${leaders.join("; ") || "(none yet)"}`,
  ];
}

async function readMetrics(layout: Layout): Promise<string[]> {
  const dirs = [CATEGORY_ACTIVITY, TRENDING_PROFILES].map((name) => path.join(layout.streamDir, name));
  if (!dirs.every(isDeltaTable)) return [];
  const [activity, trending] = await readRows(dirs);
  return metricLines(activity, trending);
}

/** The previous run's data goes; a stack still running from the same state directory must be stopped first. */
function freshStateDir(layout: Layout): void {
  const kept = readStackFile(layout);
  if (kept)
    throw new RuntimeFailure(
      `a local stack still runs from ${layout.stateDir} (pid ${kept.pid}); stop it with: npm run local:down`,
    );
  for (const dir of layout.runDirs) fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(layout.logsDir, { recursive: true });
}

export async function live(args: CliArgs, say: (line: string) => void): Promise<number> {
  if (args.keep) throw new UsageError("--live keeps the stack running by itself; leave out --keep");
  const layout = layoutOf(args.stateDir);
  freshStateDir(layout);
  const stack = await startStack({ prefix: args.prefix, layout, ports: await portsFrom(args.portBase), say });
  writeStackFile(layout, stack.endpoints);
  const ctx: StepContext = { endpoints: stack.endpoints, layout, say, running: new Set<ToolRun>() };

  let stopping = false;
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      say(`${signal}: stopping the stream job and the stack`);
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });

  const jobLog = path.join(layout.logsDir, "stream-job.log");
  const job = startTool({
    label: "stream job",
    command: JOBS_PYTHON,
    args: liveJobArgs(ctx, LIVE_TRIGGER_SECONDS),
    logFile: jobLog,
    timeoutMs: JOB_TIME_LIMIT_MS,
    env: { ...process.env, PYSPARK_PYTHON: JOBS_PYTHON, PYSPARK_DRIVER_PYTHON: JOBS_PYTHON },
  });
  ctx.running.add(job);
  let jobFailure: Error | undefined;
  job.done.catch((error: Error) => {
    if (!stopping) jobFailure = error;
  });
  say(
    `stream job running continuously (a micro-batch every ${LIVE_TRIGGER_SECONDS} s; log ${jobLog}); ` +
      `more traffic: npm run emulator -- stream --outputs ${layout.outputsFile} ...; stop: Ctrl-C or npm run local:down`,
  );

  const sending = (async () => {
    await seed(ctx, args.posts);
    say(`sending ${args.posts} posts as stream traffic (Kinesis) through the gateway`);
    await send(ctx, "stream");
    say("all posts sent; the metrics below follow the stream job's micro-batches");
  })().catch((error: Error) => {
    if (!stopping) say(`sending failed: ${error.message}`);
  });

  let shown = "";
  try {
    while (!stopping && !jobFailure) {
      const lines = await readMetrics(layout).catch(() => [] as string[]);
      if (lines.length > 0 && lines.join("\n") !== shown) {
        shown = lines.join("\n");
        for (const line of lines) say(line);
      }
      await Promise.race([sleep(POLL_MS), stopped]);
    }
  } finally {
    stopping = true;
    for (const tool of ctx.running) tool.kill();
    await job.done.catch(() => undefined);
    await sending;
    say("stopping the stack");
    await stack.stop();
    fs.rmSync(layout.stackFile, { force: true });
  }
  if (jobFailure) throw new RuntimeFailure(jobFailure.message);
  return EXIT.ok;
}
