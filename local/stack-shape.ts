// The shape local mode gives its topics and streams: the dev stack's, read from its config (Pulumi.dev.yaml over
// the defaults in Pulumi.yaml), so that partitioning, ordering and per-shard code paths run locally as in the cloud.
import fs from "node:fs";
import path from "node:path";
import { load } from "js-yaml";
import { RuntimeFailure } from "../cli/errors";
import { REPO_ROOT } from "./layout";

export const SHAPE_STACK = "dev";

export interface StackShape {
  /** The stack whose config this is. */
  stack: string;
  /** Partitions of each topic (config `topicPartitions`). */
  topicPartitions: number;
  /**
   * How each stream is created (config `streamMode`, `streamShardCount`): on-demand as on-demand (the local
   * Kinesis server gives it as many shards as AWS starts one with), provisioned with that many shards.
   */
  streams: { mode: StreamMode; shardCount: number };
}

type Values = Record<string, unknown>;
/** The stream modes the stack config accepts (infra/config.ts checks the same key). */
type StreamMode = "on-demand" | "provisioned";

/** A Pulumi YAML file: the project's name (Pulumi.yaml) and its config values. */
function readYaml(file: string): { name?: string; config: Values } {
  try {
    const parsed = load(fs.readFileSync(file, "utf8")) as { name?: string; config?: Values } | undefined;
    return { name: parsed?.name, config: parsed?.config ?? {} };
  } catch (error) {
    throw new RuntimeFailure(`cannot read the stack config ${file}: ${(error as Error).message}`);
  }
}

/** Reads the shape from `Pulumi.<stack>.yaml`, falling back to the defaults of `Pulumi.yaml`, in `root`. */
export function readStackShape(stack = SHAPE_STACK, root = REPO_ROOT): StackShape {
  const stackFile = path.join(root, `Pulumi.${stack}.yaml`);
  const project = readYaml(path.join(root, "Pulumi.yaml"));
  const projectValues = project.config;
  const stackValues = readYaml(stackFile).config;
  const projectName = project.name;
  if (!projectName) throw new RuntimeFailure(`${path.join(root, "Pulumi.yaml")} names no project`);
  const raw = (key: string): unknown => {
    const set = stackValues[`${projectName}:${key}`];
    if (set !== undefined) return set;
    return (projectValues[key] as { default?: unknown } | undefined)?.default;
  };
  const int = (key: string, min: number, max: number): number => {
    const value = Number(raw(key));
    if (!Number.isInteger(value) || value < min || value > max)
      throw new RuntimeFailure(
        `${stackFile}: ${projectName}:${key} must be an integer from ${min} to ${max} (got ${String(raw(key))})`,
      );
    return value;
  };
  const mode = raw("streamMode");
  if (mode !== "on-demand" && mode !== "provisioned")
    throw new RuntimeFailure(
      `${stackFile}: ${projectName}:streamMode must be on-demand or provisioned (got ${String(mode)})`,
    );
  return {
    stack,
    topicPartitions: int("topicPartitions", 1, 1000),
    streams: { mode, shardCount: int("streamShardCount", 1, 500) },
  };
}
