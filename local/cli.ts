// `npm run local` (up) and `npm run local:down`: local mode of the pipeline. See USAGE in ./args.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { UsageError } from "../cli/errors";
import { parseArgs, serveArgs, USAGE, type CliArgs } from "./args";
import { layoutOf, type Layout } from "./layout";
import { runPipeline, type StepContext } from "./pipeline";
import { portsFrom } from "./ports";
import { lastLine } from "./run-tool";
import { sleep } from "./services/net";
import { REPO_ROOT } from "./services/java";
import { startStack, type StackEndpoints } from "./stack";

const started = Date.now();

// The AWS SDK warns that future releases need Node 22; the repository pins Node 20 and this SDK release.
process.removeAllListeners("warning");
process.on("warning", (warning) => {
  const text = `${warning.name}: ${warning.message}`;
  if (!text.includes("NodeVersionSupportWarning")) console.warn(text);
});
const say = (line: string): void =>
  console.log(`[local +${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`);

interface StackFile {
  pid: number;
  endpoints: StackEndpoints;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readStackFile(layout: Layout): StackFile | undefined {
  if (!fs.existsSync(layout.stackFile)) return undefined;
  const stack = JSON.parse(fs.readFileSync(layout.stackFile, "utf8")) as StackFile;
  if (isAlive(stack.pid)) return stack;
  fs.rmSync(layout.stackFile);
  return undefined;
}

/** A fresh run: the previous run's data, logs and lake are removed; a kept stack must be stopped first. */
function prepareStateDir(layout: Layout): void {
  const kept = readStackFile(layout);
  if (kept)
    throw new Error(
      `a local stack still runs from ${layout.stateDir} (pid ${kept.pid}); stop it with: npm run local:down`,
    );
  for (const dir of layout.runDirs) fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(layout.logsDir, { recursive: true });
}

function reportSummary(summaryText: string, args: CliArgs, layout: Layout): void {
  if (args.summaryFile) {
    fs.mkdirSync(path.dirname(args.summaryFile), { recursive: true });
    fs.writeFileSync(args.summaryFile, summaryText);
  }
  console.log(`run summary (${args.summaryFile ?? layout.summaryFile}):\n${summaryText}`);
}

async function up(args: CliArgs): Promise<void> {
  const layout = layoutOf(args.stateDir);
  prepareStateDir(layout);
  const running: StepContext["running"] = new Set();
  let stopStack: (() => Promise<void>) | undefined;
  let endpoints: StackEndpoints;

  let interrupted = false;
  let stopping: Promise<void> | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    say(
      `${signal}: stopping${args.keep ? " (the kept stack stays up; stop it with: npm run local:down)" : ""}`,
    );
    for (const tool of running) tool.kill();
    stopping = (stopStack?.() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  if (args.keep) {
    endpoints = await startSupervisor(args, layout);
  } else {
    const ports = await portsFrom(args.portBase);
    const stack = await startStack({ prefix: args.prefix, layout, ports, say }).catch((error: Error) => {
      throw /already in use/.test(error.message)
        ? new Error(`${error.message} (--port-base N moves all seven ports; 0 picks free ones)`)
        : error;
    });
    stopStack = () => stack.stop();
    endpoints = stack.endpoints;
  }
  say(
    `stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s; outputs in ${layout.outputsFile}, logs in ${layout.logsDir}`,
  );

  try {
    const summary = await runPipeline(
      { endpoints, layout, say, running },
      { posts: args.posts, summaryFile: layout.summaryFile, print: (text) => console.log(text) },
    );
    say(`gold tables printed ${((Date.now() - started) / 1000).toFixed(1)} s after start`);
    reportSummary(JSON.stringify(summary, null, 2) + "\n", args, layout);
  } finally {
    if (interrupted) {
      await stopping; // the signal handler stops the stack, then exits with 130
    } else if (stopStack) {
      say("stopping the stack");
      await stopStack();
    } else {
      say(`the stack keeps running (gateway ${endpoints.outputs.apiUrl}); stop it with: npm run local:down`);
    }
  }
}

/** `up --keep`: the stack runs in a detached process (`serve`) that outlives this one until `down`. */
async function startSupervisor(args: CliArgs, layout: Layout): Promise<StackEndpoints> {
  const logFile = path.join(layout.logsDir, "stack.log");
  const log = fs.openSync(logFile, "a");
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
  say(`starting the stack in the background (pid ${child.pid}, log ${logFile})`);
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    const stack = readStackFile(layout);
    if (stack) return stack.endpoints;
    if (child.exitCode !== null || !isAlive(child.pid!))
      throw new Error(`the stack did not start: ${lastLine(logFile)} (log: ${logFile})`);
    if (Date.now() > deadline) throw new Error(`the stack did not start within 5 minutes (log: ${logFile})`);
    await sleep(500);
  }
}

/** The detached process of `up --keep`: runs the stack until SIGTERM (from `down`). */
async function serve(args: CliArgs): Promise<void> {
  const layout = layoutOf(args.stateDir);
  const stack = await startStack({ prefix: args.prefix, layout, ports: await portsFrom(args.portBase), say });
  const stackFile: StackFile = { pid: process.pid, endpoints: stack.endpoints };
  fs.writeFileSync(layout.stackFile, JSON.stringify(stackFile, null, 2) + "\n", { mode: 0o600 });
  say("stack running; waiting for SIGTERM");
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
  });
  say("stopping the stack");
  await stack.stop();
  fs.rmSync(layout.stackFile, { force: true });
}

async function down(args: CliArgs): Promise<void> {
  const layout = layoutOf(args.stateDir);
  const stack = readStackFile(layout);
  if (!stack) {
    console.log(`no local stack runs from ${layout.stateDir}`);
    return;
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
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.command === "down") return down(args);
  if (args.command === "serve") return serve(args);
  return up(args);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`local: ${message}`);
    if (error instanceof UsageError && message !== USAGE) console.error("run with --help for the flags");
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
