// What one mocked run of the program records, and how a test gets it (a child process per stack).
import { execFile } from "child_process";
import { mkdtempSync, readFileSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";

export interface RecordedResource {
  id: string;
  type: string;
  name: string;
  custom: boolean;
  inputs: Record<string, unknown>;
  state: Record<string, unknown>;
  provider?: string;
}

export interface StackRun {
  stack: string;
  resources: RecordedResource[];
  invokes: { token: string; inputs: Record<string, unknown> }[];
  outputs: Record<string, unknown>;
  secretOutputs: string[];
}

export const ACCOUNT_ID = "123456789012";
export const REGION = "us-east-1";
export const AVAILABILITY_ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"];
export const DEPLOYER = "deployer@example.com";
export const AL2023_AMI = "ami-0a1b2c3d4e5f60718";

export interface ExtraConfig {
  /** `namespace:key` values a user would set with `pulumi config set` (workspace host, secrets, ...). */
  values?: Record<string, string>;
  secretKeys?: string[];
}

const ROOT = path.join(__dirname, "..", "..", "..");

/** Runs the program of one stack in a fresh Node process; rejects with the program's error message. */
export function runStack(stack: string, extra: ExtraConfig = {}): Promise<StackRun> {
  const dir = mkdtempSync(path.join(tmpdir(), `stack-${stack}-`));
  const outFile = path.join(dir, "run.json");
  return new Promise<StackRun>((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", "tsx", path.join(__dirname, "runStack.ts"), stack, outFile],
      {
        cwd: ROOT,
        env: { ...process.env, STACK_CONFIG: JSON.stringify(extra) },
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, _stdout, stderr) => {
        try {
          if (error) reject(new Error(stderr.trim() || error.message));
          else resolve(JSON.parse(readFileSync(outFile, "utf8")) as StackRun);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    );
  });
}
