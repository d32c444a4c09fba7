// What one mocked run of the program records, and how a test gets it (a child process per stack).
import { execFile } from "child_process";
import { createHash } from "crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { load } from "js-yaml";
import * as path from "path";

export interface RecordedResource {
  id: string;
  type: string;
  name: string;
  custom: boolean;
  inputs: Record<string, unknown>;
  state: Record<string, unknown>;
  provider?: string;
  /** The resource's `protect` option. */
  protect?: boolean;
  /** The URN of the resource's parent (its component, or the stack). */
  parent?: string;
  /** The URNs it waits for (dependsOn and the resources its inputs come from). */
  dependencies?: string[];
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
  /** Folder (a checksum) the connector stand-in is cached under; its own checksum unless a test says otherwise. */
  connectorCacheKey?: string;
}

const ROOT = path.join(__dirname, "..", "..", "..");

/** Stands in for the S3 sink archive the program downloads: pre-seeded in the cache, so no network is used. */
export const TEST_CONNECTOR_ARCHIVE = Buffer.from("connector archive stand-in for the mock runs\n");
export const TEST_CONNECTOR_ARCHIVE_SHA256 = createHash("sha256")
  .update(TEST_CONNECTOR_ARCHIVE)
  .digest("hex");
/** What a user sets as confluentSha256 (the boot compares the download to it). */
export const TEST_CONFLUENT_SHA256 = "c0".repeat(32);

/** An artifact cache holding the stand-in under its checksum, as infra/artifacts.ts lays it out. */
function seededArtifactCache(dir: string, pluginUrl: string, key: string): string {
  const cache = path.join(dir, "artifacts");
  const folder = path.join(cache, key);
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, pluginUrl.split("/").pop() as string), TEST_CONNECTOR_ARCHIVE);
  return cache;
}

/** Runs the program of one stack in a fresh Node process; rejects with the program's error message. */
export function runStack(stack: string, extra: ExtraConfig = {}): Promise<StackRun> {
  const dir = mkdtempSync(path.join(tmpdir(), `stack-${stack}-`));
  const outFile = path.join(dir, "run.json");
  const pluginUrl =
    extra.values?.["pinterest-pipeline:connectPluginUrl"] ??
    String(
      (
        load(readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
          config: Record<string, { default?: unknown }>;
        }
      ).config.connectPluginUrl.default,
    );
  const cache = seededArtifactCache(dir, pluginUrl, extra.connectorCacheKey ?? TEST_CONNECTOR_ARCHIVE_SHA256);
  return new Promise<StackRun>((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", "tsx", path.join(__dirname, "runStack.ts"), stack, outFile],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          STACK_CONFIG: JSON.stringify({ values: extra.values, secretKeys: extra.secretKeys }),
          PINPIPE_ARTIFACT_CACHE: cache,
        },
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
