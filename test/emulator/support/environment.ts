// Shared set-up of the emulator tests: a real MariaDB in a temp dir, the CLI as a child process.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startMariaDb, type MariaDb } from "../../../local/services/mariadb";
import { freePort } from "../../../local/services/net";

export const ROOT = path.resolve(__dirname, "../../..");

export function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `emu-${label}-`));
}

/** Starts MariaDB for a test file in a temp dir; call in before(). stop() also removes the dir. */
export async function startTestDatabase(label: string): Promise<MariaDb & { dir: string }> {
  const dir = tempDir(label);
  const db = await startMariaDb({
    dataDir: path.join(dir, "db"),
    port: await freePort(),
    logFile: path.join(dir, "mariadb.log"),
  });
  return {
    ...db,
    dir,
    async stop() {
      await db.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `emulator/cli.ts` with node (no npm in between, so signals reach it). */
export function runCli(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; onSpawn?: (child: ReturnType<typeof spawn>) => void } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "emulator/cli.ts"), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
    opts.onSpawn?.(child);
  });
}

export function writeOutputs(dir: string, outputs: object): string {
  const file = path.join(dir, "outputs.json");
  fs.writeFileSync(file, JSON.stringify(outputs));
  return file;
}

export function readFailures(file: string): {
  target: { table: string; kind: string; name: string };
  record: Record<string, unknown>;
  error: string;
}[] {
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line));
}
