// Runs one step of the pipeline (the emulator, a job) as a child process whose output goes to a log file.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { RuntimeFailure } from "../cli/errors";
import { REPO_ROOT } from "./layout";

export const TSX = path.join(REPO_ROOT, "node_modules", ".bin", "tsx");
export const JOBS_PYTHON = path.join(REPO_ROOT, ".cache", "venv", "jobs", "bin", "python");

/** The line of a log that says best in one line why a step failed: the last error line, else the last line. */
export function lastLine(logFile: string): string {
  if (!fs.existsSync(logFile)) return "";
  // Node ends a crash report with its version line, which says nothing about the failure.
  const lines = fs
    .readFileSync(logFile, "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !/^Node\.js v\d/.test(line));
  const errors = lines.filter((line) => /^[\w.]*(Error|Exception)\b/.test(line));
  return errors.at(-1) ?? lines.at(-1) ?? "";
}

export interface ToolRun {
  /** Resolves when the tool exits with code 0; rejects with a one-line message naming the log otherwise. */
  done: Promise<void>;
  /** SIGTERM to the tool (used when the run is interrupted). */
  kill(): void;
}

/** How often a long step says it is still at work. */
export const HEARTBEAT_MS = 10_000;

/** The heartbeat of a step: how long it has run, what it waits for and where its log is. */
export function heartbeatLine(label: string, elapsedMs: number, waitingFor: string, logFile: string): string {
  return `${label}: ${formatSeconds(elapsedMs)} so far, waiting for ${waitingFor} (log: ${logFile})`;
}

export function formatSeconds(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 60
    ? `${seconds} s`
    : `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, "0")} s`;
}

/** Calls `say(line())` every `everyMs` until the returned function is called. */
export function startHeartbeat(
  say: (line: string) => void,
  line: () => string,
  everyMs = HEARTBEAT_MS,
): () => void {
  const timer = setInterval(() => say(line()), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

export function startTool(opts: {
  label: string;
  command: string;
  args: string[];
  logFile: string;
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  /** With it, the step prints a heartbeat line every HEARTBEAT_MS while it runs. */
  heartbeat?: { say: (line: string) => void; waitingFor: string };
}): ToolRun {
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const log = fs.openSync(opts.logFile, "a");
  fs.writeSync(log, `$ ${opts.command} ${opts.args.join(" ")}\n`);
  const child = spawn(opts.command, opts.args, {
    cwd: REPO_ROOT,
    stdio: ["ignore", log, log],
    env: opts.env ?? process.env,
  });
  fs.closeSync(log);
  const started = Date.now();
  const beat = opts.heartbeat;
  const stopHeartbeat = beat
    ? startHeartbeat(beat.say, () =>
        heartbeatLine(opts.label, Date.now() - started, beat.waitingFor, opts.logFile),
      )
    : () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => child.kill("SIGTERM"), opts.timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      stopHeartbeat();
      reject(new RuntimeFailure(`${opts.label}: could not start ${opts.command} (${error.message})`));
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      stopHeartbeat();
      if (code === 0) return resolve();
      const why = signal
        ? `was stopped (${signal}${signal === "SIGTERM" ? `, time limit ${opts.timeoutMs / 1000} s` : ""})`
        : `exited with code ${code}`;
      const last = lastLine(opts.logFile);
      reject(new RuntimeFailure(`${opts.label} ${why}${last ? `: ${last}` : ""} (log: ${opts.logFile})`));
    });
  });
  return { done, kill: () => child.kill("SIGTERM") };
}
