// `npm run local -- [command] [flags]`: local mode of the pipeline. See local/usage.txt.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { EXIT, exitCodeOf, RuntimeFailure, UsageError } from "../cli/errors";
import { GOLD_TABLES } from "../contract";
import { query } from "./query";
import { parseArgs, serveArgs, USAGE, type CliArgs } from "./args";
import { formatTable } from "./delta";
import { isAlive } from "../cli/local-state";
import { readStackFile, requireKeptStack, writeStackFile } from "./kept-stack";
import { layoutOf, REPO_ROOT, type Layout } from "./layout";
import { live } from "./live";
import { listLogs, logFile, printLog } from "./logs";
import { peek } from "./peek";
import { BOTH_JOBS, finish, readGold, runJobs, runPipeline, StepClock, type StepContext } from "./pipeline";
import type { RunResult } from "./run-result";
import { portsFrom } from "./ports";
import { checkComponent, requestRestart, serveRestarts } from "./restart";
import { byLabel, GOLD_SHAPES, topRows } from "./report/gold";
import { lastLine } from "./run-tool";
import { sleep } from "./services/net";
import { startStack, type StackEndpoints } from "./stack";
import { stackStatus, type StackStatus } from "./status";

const started = Date.now();
const TOP = 5;

// The AWS SDK warns that future releases need Node 22; the repository pins Node 20 and this SDK release.
process.removeAllListeners("warning");
process.on("warning", (warning) => {
  const text = `${warning.name}: ${warning.message}`;
  if (!text.includes("NodeVersionSupportWarning")) console.warn(text);
});

/** Progress lines; with --json they go to stderr so that stdout holds the summary alone. */
let progressTo: (line: string) => void = (line) => console.log(line);
const say = (line: string): void =>
  progressTo(`[local +${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`);

/** A fresh run: the previous run's data, logs and lake are removed; a kept stack must be stopped first. */
function prepareStateDir(layout: Layout): void {
  const kept = readStackFile(layout);
  if (kept)
    throw new RuntimeFailure(
      `a local stack still runs from ${layout.stateDir} (pid ${kept.pid}); stop it with: npm run local -- down`,
    );
  for (const dir of layout.runDirs) fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(layout.logsDir, { recursive: true });
}

async function printEnd(result: RunResult, args: CliArgs, layout: Layout): Promise<void> {
  if (args.summaryFile) {
    fs.mkdirSync(path.dirname(args.summaryFile), { recursive: true });
    fs.writeFileSync(args.summaryFile, JSON.stringify(result, null, 2) + "\n");
  }
  if (args.json) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  const gold = await readGold(layout);
  for (const shape of GOLD_SHAPES.filter((s) => GOLD_TABLES.includes(s.name))) {
    const rows = gold[shape.name] ?? [];
    // A short table reads best in its own order (years, age groups); a long one by its largest values.
    const top = rows.length <= TOP ? byLabel(shape, rows) : topRows(shape, rows, TOP);
    const title = `${shape.name} (${rows.length <= TOP ? `${rows.length} rows` : `top ${TOP} of ${rows.length} by ${shape.measure}`})`;
    console.log(formatTable(shape.name, top, { sorted: false, title }) + "\n");
  }
  if (result.quarantine.length > 0)
    console.log(formatTable("quarantined records", result.quarantine as never, { sorted: false }) + "\n");
  console.log(
    formatTable("step timings", result.steps as never, { sorted: false, title: "step timings (seconds)" }),
  );
  console.log(`\nrun summary: ${layout.summaryFile}${args.summaryFile ? ` and ${args.summaryFile}` : ""}`);
  console.log(`report:      ${result.report} (open it in a browser; it works offline)`);
  console.log(result.verdict.line);
}

/** Stops tools and the stack on Ctrl-C or SIGTERM, then exits with 130. */
function onInterrupt(
  running: StepContext["running"],
  stop: () => Promise<void> | undefined,
  kept: boolean,
): void {
  let interrupted = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    say(`${signal}: stopping${kept ? " (a kept stack stays up; stop it with: npm run local -- down)" : ""}`);
    for (const tool of running) tool.kill();
    void (stop() ?? Promise.resolve()).finally(() => process.exit(EXIT.interrupted));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
}

/** The whole run: start the stack, seed, send, run both jobs, judge, report; the stack stops unless --keep. */
async function run(args: CliArgs): Promise<number> {
  if (args.live) return live(args, say);
  const layout = layoutOf(args.stateDir);
  prepareStateDir(layout);
  const running: StepContext["running"] = new Set();
  let stopStack: (() => Promise<void>) | undefined;
  onInterrupt(running, () => stopStack?.(), args.keep);
  const clock = new StepClock(say);

  const endpoints = await clock.time("start the stack", async (): Promise<StackEndpoints> => {
    if (args.keep) return startSupervisor(args, layout);
    const ports = await portsFrom(args.portBase);
    const stack = await startStack({ prefix: args.prefix, layout, ports, say }).catch((error: Error) => {
      throw /already in use/.test(error.message)
        ? new RuntimeFailure(`${error.message} (--port-base N moves all seven ports; 0 picks free ones)`)
        : error;
    });
    stopStack = () => stack.stop();
    return stack.endpoints;
  });
  say(`stack ready; outputs in ${layout.outputsFile}, logs in ${layout.logsDir}`);

  let result: RunResult;
  try {
    result = await runPipeline(
      { endpoints, layout, say, running },
      { posts: args.posts, summaryFile: layout.summaryFile, clock, sparkUi: args.sparkUi },
    );
  } finally {
    if (stopStack) {
      say("stopping the stack");
      await stopStack();
    } else {
      say(
        `the stack keeps running (gateway ${endpoints.outputs.apiUrl}); see: npm run local -- status; stop it with: npm run local -- down`,
      );
    }
  }
  await printEnd(result, args, layout);
  return result.verdict.ok ? EXIT.ok : EXIT.failure;
}

/** `up`: the services alone, left running in the background (like `docker compose up -d`); stop with `down`. */
async function up(args: CliArgs): Promise<number> {
  const layout = layoutOf(args.stateDir);
  prepareStateDir(layout);
  const endpoints = await startSupervisor(args, layout);
  const { outputs } = endpoints;
  console.log(`local stack running from ${layout.stateDir}; stop it with: npm run local -- down`);
  console.log(`  gateway        ${outputs.apiUrl} (x-api-key in ${layout.outputsFile})`);
  console.log(
    `  Kafka          ${endpoints.kafkaBootstrap} (topics ${Object.values(outputs.topics).join(", ")})`,
  );
  console.log(`  Kafka Connect  ${endpoints.connectUrl}`);
  console.log(
    `  Kinesis        ${endpoints.kinesisEndpoint} (streams ${Object.values(outputs.streams).join(", ")})`,
  );
  console.log(`  S3             ${endpoints.s3Endpoint} (bucket ${endpoints.bucket})`);
  console.log(
    `  MariaDB        ${endpoints.dbUrl.replace(/\/\/[^@]*@/, "//")} (empty: npm run emulator -- seed)`,
  );
  console.log(
    "next: npm run emulator -- seed && npm run emulator -- batch && npm run emulator -- stream; npm run local -- jobs",
  );
  return EXIT.ok;
}

/** `jobs`: both jobs (or one) again against a kept stack, then the counts, the verdict and the report. */
async function jobs(args: CliArgs): Promise<number> {
  const layout = layoutOf(args.stateDir);
  const stack = requireKeptStack(layout, "run the jobs against");
  const running: StepContext["running"] = new Set();
  onInterrupt(running, () => undefined, true);
  const clock = new StepClock(say);
  const ctx: StepContext = { endpoints: stack.endpoints, layout, say, running };
  const which = args.only ? { batch: args.only === "batch", stream: args.only === "stream" } : BOTH_JOBS;
  const counts = await runJobs(ctx, clock, { jobs: which, sparkUi: args.sparkUi });
  const result = await finish(ctx, clock, counts, layout.summaryFile);
  await printEnd(result, args, layout);
  return result.verdict.ok ? EXIT.ok : EXIT.failure;
}

/** `up --keep`: the stack runs in a detached process (`serve`) that outlives this one until `down`. */
async function startSupervisor(args: CliArgs, layout: Layout): Promise<StackEndpoints> {
  const logFileName = path.join(layout.logsDir, "stack.log");
  const log = fs.openSync(logFileName, "a");
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(__dirname, "cli.ts"), ...serveArgs(args)],
    {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ["ignore", log, log],
    },
  );
  fs.closeSync(log);
  child.unref();
  say(`starting the stack in the background (pid ${child.pid}, log ${logFileName})`);
  const deadline = Date.now() + 5 * 60_000;
  let nextBeat = Date.now() + 10_000;
  for (;;) {
    const stack = readStackFile(layout);
    if (stack) return stack.endpoints;
    if (child.exitCode !== null || !isAlive(child.pid!))
      throw new RuntimeFailure(`the stack did not start: ${lastLine(logFileName)} (log: ${logFileName})`);
    if (Date.now() > deadline)
      throw new RuntimeFailure(`the stack did not start within 5 minutes (log: ${logFileName})`);
    if (Date.now() >= nextBeat) {
      say(`still starting the stack: ${lastLine(logFileName).slice(0, 120)} (log: ${logFileName})`);
      nextBeat += 10_000;
    }
    await sleep(500);
  }
}

/** The detached process of `up --keep`: runs the stack until SIGTERM (from `down`). */
async function serve(args: CliArgs): Promise<number> {
  const layout = layoutOf(args.stateDir);
  const stack = await startStack({ prefix: args.prefix, layout, ports: await portsFrom(args.portBase), say });
  writeStackFile(layout, stack.endpoints);
  const stopServingRestarts = serveRestarts(layout, stack, say);
  say("stack running; waiting for SIGTERM");
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
  });
  stopServingRestarts();
  say("stopping the stack");
  await stack.stop();
  fs.rmSync(layout.stackFile, { force: true });
  return EXIT.ok;
}

async function down(args: CliArgs): Promise<number> {
  const layout = layoutOf(args.stateDir);
  const stack = readStackFile(layout);
  if (!stack) {
    console.log(`no local stack runs from ${layout.stateDir}`);
    return EXIT.ok;
  }
  console.log(`stopping the local stack (pid ${stack.pid})`);
  process.kill(stack.pid, "SIGTERM");
  const deadline = Date.now() + 90_000;
  while (isAlive(stack.pid)) {
    if (Date.now() > deadline) {
      process.kill(stack.pid, "SIGKILL");
      break;
    }
    await sleep(250);
  }
  fs.rmSync(layout.stackFile, { force: true });
  console.log("stopped");
  return EXIT.ok;
}

function printStatus(status: StackStatus): void {
  console.log(
    `local stack running from ${status.stateDir} (supervisor pid ${status.pid}${status.startedAt ? `, up since ${status.startedAt}` : ""})\n`,
  );
  console.log(
    formatTable(
      "services",
      status.services.map((s) => ({
        service: s.name,
        address: s.address,
        answers: s.answers ? "yes" : "NO",
      })),
      { sorted: false, title: "services" },
    ) + "\n",
  );
  console.log(
    formatTable(
      "topics",
      status.topics.map((t) => ({ topic: t.topic, records: t.records, "not yet in S3": t.sinkLag })),
      { sorted: false, title: "Kafka topics (batch path)" },
    ) + "\n",
  );
  console.log(
    formatTable(
      "streams",
      status.streams.map((s) => ({
        stream: s.stream,
        records: s.records,
        "not yet read by the stream job": s.streamJobLag ?? "all (the job has not run)",
      })),
      { sorted: false, title: "Kinesis streams (stream path)" },
    ),
  );
}

async function status(args: CliArgs): Promise<number> {
  const layout = layoutOf(args.stateDir);
  const stack = requireKeptStack(layout, "show the status of");
  const result = await stackStatus(stack, layout);
  if (args.json) console.log(JSON.stringify(result, null, 2));
  else printStatus(result);
  return result.services.every((s) => s.answers) ? EXIT.ok : EXIT.failure;
}

async function logs(args: CliArgs): Promise<number> {
  const { logsDir } = layoutOf(args.stateDir);
  if (!args.component) {
    listLogs(logsDir, (line) => console.log(line));
    return EXIT.ok;
  }
  await printLog(logFile(logsDir, args.component), args.follow, process.stdout);
  return EXIT.ok;
}

/** `restart COMPONENT`: the kept stack's supervisor restarts one service on its data and port. */
async function restart(args: CliArgs): Promise<number> {
  const layout = layoutOf(args.stateDir);
  const component = checkComponent(args.component);
  const stack = requireKeptStack(layout, `restart ${component} in`);
  say(`restarting ${component} (log: ${logFile(layout.logsDir, component)})`);
  await requestRestart(layout, stack, component);
  say(`${component} restarted`);
  return EXIT.ok;
}

/** `peek NAME [-n N]`: the last records of a topic or stream of a kept stack, oldest first. */
async function peekCommand(args: CliArgs): Promise<number> {
  const layout = layoutOf(args.stateDir);
  const stack = requireKeptStack(layout, "peek into");
  const records = await peek(stack.endpoints, args.peekName!, args.records);
  for (const record of records)
    console.log(args.json ? JSON.stringify(record) : `${record.at}\t${record.value}`);
  if (records.length === 0) console.error(`${args.peekName} holds no records yet`);
  return EXIT.ok;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    console.log(USAGE);
    return EXIT.ok;
  }
  if (args.version) {
    const { version } = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
      version: string;
    };
    console.log(`pinterest-data-pipeline ${version}`);
    return EXIT.ok;
  }
  if (args.json) progressTo = (line) => console.error(line);
  switch (args.command) {
    case "down":
      return down(args);
    case "serve":
      return serve(args);
    case "status":
      return status(args);
    case "logs":
      return logs(args);
    case "jobs":
      return jobs(args);
    case "query":
      return query(args.stateDir, args.sql!, args.json).then(() => EXIT.ok);
    case "up":
      return up(args);
    case "restart":
      return restart(args);
    case "peek":
      return peekCommand(args);
    default:
      return run(args);
  }
}

// Open handles (the Kafka client's timers, a child's pipes) must not keep a finished run alive, so exit explicitly.
// Failures here come from the services and tools a run drives, so each is printed as its own one line.
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`local: ${((error as Error)?.message ?? String(error)).split("\n")[0]}`);
    if (error instanceof UsageError) console.error("see: npm run local -- --help");
    process.exit(exitCodeOf(error));
  },
);
