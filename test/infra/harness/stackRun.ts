// What one mocked run of the program records, and how a test gets it (a child process per stack).
import { execFile } from "child_process";
import { createHash } from "crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { load } from "js-yaml";
import * as path from "path";
import {
  committedInputsDigest,
  PINNED,
  PLUGINS_OBJECT_KEY,
  PluginsManifest,
  PROVIDER,
} from "../../../infra/mwaaPlugins";

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
  /** The same, as `type::name`. */
  dependsOn?: string[];
}

export interface StackRun {
  stack: string;
  resources: RecordedResource[];
  invokes: { token: string; inputs: Record<string, unknown> }[];
  outputs: Record<string, unknown>;
  secretOutputs: string[];
  /** What the program wrote to stderr: pulumi.log.warn writes there when no engine runs (the mocks). */
  stderr?: string;
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
  /** Leave MWAA's plugins.zip unbuilt (the program must refuse). */
  withoutMwaaPlugins?: boolean;
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

/** Stands in for the plugins.zip `npm run build:mwaa-plugins` builds (the real build has its own test). */
export const TEST_MWAA_PROVIDER_WHEEL = `${PROVIDER.replace(/-/g, "_")}-${PINNED.provider}-py3-none-any.whl`;
function seededMwaaPlugins(dir: string): string {
  const plugins = path.join(dir, "mwaa-plugins");
  mkdirSync(plugins, { recursive: true });
  writeFileSync(path.join(plugins, PLUGINS_OBJECT_KEY), "plugins.zip stand-in for the mock runs\n");
  const manifest: PluginsManifest = {
    ...PINNED,
    wheels: [TEST_MWAA_PROVIDER_WHEEL],
    inputsDigest: committedInputsDigest(),
  };
  writeFileSync(path.join(plugins, "manifest.json"), JSON.stringify(manifest));
  return plugins;
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
  const mwaaPlugins = extra.withoutMwaaPlugins ? path.join(dir, "not-built") : seededMwaaPlugins(dir);
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
          PINPIPE_MWAA_PLUGINS_DIR: mwaaPlugins,
        },
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, _stdout, stderr) => {
        try {
          if (error) reject(new Error(stderr.trim() || error.message));
          else resolve({ ...(JSON.parse(readFileSync(outFile, "utf8")) as StackRun), stderr });
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    );
  });
}
