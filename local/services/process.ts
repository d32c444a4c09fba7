// Starts a server process whose output goes to a log file and that cannot outlive us.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export interface ServiceProcess {
  readonly child: ChildProcess;
  /** Why the process ended, once it has ended before stop() was called; undefined while it runs. */
  exitReason(): string | undefined;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once, as a crash would; resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGSTOP (`paused` true) or SIGCONT: the process keeps its sockets open but answers nothing while paused. */
  pause(paused: boolean): void;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

// A last line of defence: whatever still runs when Node exits is asked to stop (exit handlers cannot wait).
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of running) child.kill("SIGTERM");
  });
}

// setpriv --pdeathsig makes the kernel signal the server if Node dies without running its exit hook.
const SETPRIV = ["/usr/bin/setpriv", "/bin/setpriv"].find((candidate) => fs.existsSync(candidate));

export function startServiceProcess(opts: {
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}): ServiceProcess {
  installExitHook();
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const log = fs.openSync(opts.logFile, "a");
  const [command, args] = SETPRIV
    ? [SETPRIV, ["--pdeathsig", "TERM", "--", opts.command, ...opts.args]]
    : [opts.command, opts.args];
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ["ignore", log, log],
  });
  fs.closeSync(log);
  running.add(child);

  let reason: string | undefined;
  let stopping = false;
  const exited = new Promise<void>((resolve) => {
    child.once("error", (error) => {
      reason = `could not start ${opts.command} (${error.message})`;
      running.delete(child);
      resolve();
    });
    child.once("exit", (code, signal) => {
      if (!stopping) reason = `exited early with ${signal ? `signal ${signal}` : `code ${code}`}`;
      running.delete(child);
      resolve();
    });
  });

  return {
    child,
    exitReason: () => reason,
    async stop(graceMs = 20_000) {
      stopping = true;
      if (!running.has(child)) return exited;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      stopping = true;
      if (running.has(child)) child.kill("SIGKILL");
      await exited;
    },
    pause(paused) {
      if (running.has(child)) child.kill(paused ? "SIGSTOP" : "SIGCONT");
    },
  };
}
