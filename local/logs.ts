// `npm run local -- logs [component] [--follow]`: the logs of the last run or of a kept stack, one file per component.
import fs from "node:fs";
import path from "node:path";
import { UsageError } from "../cli/errors";
import { lastLine } from "./run-tool";
import { sleep } from "./services/net";

/** Components with a log in `logsDir`: the file name without `.log`. */
export function logComponents(logsDir: string): string[] {
  if (!fs.existsSync(logsDir)) return [];
  return fs
    .readdirSync(logsDir)
    .filter((name) => name.endsWith(".log"))
    .map((name) => name.slice(0, -".log".length))
    .sort();
}

export function listLogs(logsDir: string, print: (line: string) => void): void {
  const components = logComponents(logsDir);
  if (components.length === 0) {
    print(`no logs in ${logsDir} yet; they appear once npm run local has started`);
    return;
  }
  const width = Math.max(...components.map((c) => c.length));
  print(`logs in ${logsDir} (npm run local -- logs COMPONENT prints one):`);
  for (const component of components) {
    const file = path.join(logsDir, `${component}.log`);
    const size = fs.statSync(file).size;
    print(`  ${component.padEnd(width)}  ${String(size).padStart(9)} bytes  ${lastLine(file).slice(0, 100)}`);
  }
}

export function logFile(logsDir: string, component: string): string {
  const components = logComponents(logsDir);
  if (!components.includes(component))
    throw new UsageError(
      `no log named "${component}" in ${logsDir}; there are: ${components.join(", ") || "none yet"}`,
    );
  return path.join(logsDir, `${component}.log`);
}

/** Writes the log to `out`; with `follow`, keeps writing what is appended until the process is stopped. */
export async function printLog(file: string, follow: boolean, out: NodeJS.WritableStream): Promise<void> {
  let offset = 0;
  const copyNew = (): void => {
    const size = fs.statSync(file).size;
    if (size < offset) offset = 0; // a new run started the log again
    if (size === offset) return;
    const fd = fs.openSync(file, "r");
    try {
      const buffer = Buffer.alloc(size - offset);
      fs.readSync(fd, buffer, 0, buffer.length, offset);
      out.write(buffer);
      offset = size;
    } finally {
      fs.closeSync(fd);
    }
  };
  copyNew();
  while (follow) {
    await sleep(250);
    if (fs.existsSync(file)) copyNew();
  }
}
