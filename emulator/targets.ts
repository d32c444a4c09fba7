// Where traffic goes: the stack outputs of docs/contract.md section 6, from a file or from the Pulumi CLI.
import { execFile } from "node:child_process";
import fs from "node:fs";
import { TABLES, type PerTable } from "../contract";
import { RuntimeFailure } from "../cli/errors";

export interface StackOutputs {
  apiUrl: string;
  apiKey: string;
  topics: PerTable<string>;
  streams: PerTable<string>;
}

function perTableNames(value: unknown, field: string, source: string): PerTable<string> {
  const object = value as Record<string, unknown> | null;
  const missing = TABLES.filter((table) => typeof object?.[table] !== "string" || object[table] === "");
  if (typeof value !== "object" || value === null || missing.length > 0) {
    throw new RuntimeFailure(
      `${source}: "${field}" must be an object with string names for ${TABLES.join(", ")} (missing: ${missing.join(", ")})`,
    );
  }
  return { pin: object!.pin as string, geo: object!.geo as string, user: object!.user as string };
}

/** Checks the shape of the outputs object; `source` names where it came from, for the error line. */
export function parseOutputs(text: string, source: string): StackOutputs {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RuntimeFailure(
      `${source} is not valid JSON (${(error as Error).message}); expected the output of pulumi stack output --json --show-secrets`,
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new RuntimeFailure(`${source} must hold a JSON object with apiUrl, apiKey, topics and streams`);
  }
  const outputs = value as Record<string, unknown>;
  if (typeof outputs.apiUrl !== "string" || !/^https?:\/\/[^/]/.test(outputs.apiUrl)) {
    throw new RuntimeFailure(`${source}: "apiUrl" must be an http(s) URL`);
  }
  if (typeof outputs.apiKey !== "string") {
    throw new RuntimeFailure(`${source}: "apiKey" must be a string (read the stack with --show-secrets)`);
  }
  return {
    apiUrl: outputs.apiUrl.replace(/\/+$/, ""),
    apiKey: outputs.apiKey,
    topics: perTableNames(outputs.topics, "topics", source),
    streams: perTableNames(outputs.streams, "streams", source),
  };
}

export function readOutputsFile(file: string): StackOutputs {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new RuntimeFailure(
      `cannot read the outputs file ${file} (${(error as NodeJS.ErrnoException).code}); pass the file local mode writes or pulumi's output`,
    );
  }
  return parseOutputs(text, `outputs file ${file}`);
}

export function readStackOutputs(stack: string): Promise<StackOutputs> {
  return new Promise((resolve, reject) => {
    execFile(
      "pulumi",
      ["stack", "output", "--json", "--show-secrets", "--stack", stack],
      { maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if ((error as NodeJS.ErrnoException | null)?.code === "ENOENT") {
          reject(
            new RuntimeFailure(
              "the pulumi CLI is not installed (needed by --stack); install it or pass --outputs <file>",
            ),
          );
        } else if (error) {
          const reason = stderr.trim().split("\n").pop() || error.message;
          reject(new RuntimeFailure(`pulumi stack output --stack ${stack} failed: ${reason}`));
        } else {
          try {
            resolve(parseOutputs(stdout, `pulumi stack ${stack}`));
          } catch (parseError) {
            reject(parseError);
          }
        }
      },
    );
  });
}
