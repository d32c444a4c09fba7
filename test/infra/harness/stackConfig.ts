// A stack's config as the Pulumi CLI hands it to the program: Pulumi.<stack>.yaml over the defaults of Pulumi.yaml.
import { readFileSync } from "fs";
import { load } from "js-yaml";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..", "..");

interface ProjectFile {
  name: string;
  config: Record<string, { type: string; default?: unknown; secret?: boolean }>;
}

export function readProjectFile(): ProjectFile {
  return load(readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as ProjectFile;
}

export function readStackFile(stack: string): Record<string, string> {
  const parsed = load(readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
    config: Record<string, unknown>;
  };
  return Object.fromEntries(Object.entries(parsed.config).map(([key, value]) => [key, String(value)]));
}

export function loadStackConfig(
  stack: string,
  extraValues: Record<string, string>,
  extraSecretKeys: string[],
): { values: Record<string, string>; secretKeys: string[] } {
  const project = readProjectFile();
  const defaults = Object.entries(project.config)
    .filter(([, spec]) => spec.default !== undefined)
    .map(([key, spec]) => [`${project.name}:${key}`, String(spec.default)]);
  return {
    values: { ...Object.fromEntries(defaults), ...readStackFile(stack), ...extraValues },
    secretKeys: extraSecretKeys,
  };
}
