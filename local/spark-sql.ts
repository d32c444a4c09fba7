// SQL on local Spark over a lake's Delta tables under the contract's names (local/query.py): the query command and
// the report's "as of now" section.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { RuntimeFailure, UsageError } from "../cli/errors";
import { DECLARED_TABLES } from "../contract";
import type { Row } from "./delta";
import { JOBS_PYTHON } from "./run-tool";

const RUNNER = path.join(__dirname, "query.py");

export interface QueryResult {
  columns: string[];
  rows: Row[];
}

/**
 * Runs each SQL statement in one local Spark session where every table of `tables` (contract name -> Delta table
 * folder) has its name, and the serving views too when the silver and stream tables are all there.
 */
export async function runQueries(tables: Map<string, string>, statements: string[]): Promise<QueryResult[]> {
  const declared = [...tables].filter(([name]) => DECLARED_TABLES.includes(name));
  if (declared.length === 0)
    throw new UsageError("no table of the contract to query: run npm run local first");
  const args = [
    RUNNER,
    ...declared.flatMap(([name, dir]) => ["--table", `${name}=${dir}`]),
    "--",
    ...statements,
  ];
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(JOBS_PYTHON, args, {
      maxBuffer: 1024 * 1024 * 1024,
      env: { ...process.env, PYSPARK_PYTHON: JOBS_PYTHON },
    }));
  } catch (error) {
    const failure = error as { code?: number; stderr?: string; message: string };
    const line =
      (failure.stderr ?? "")
        .split("\n")
        .filter((l) => l.startsWith("query: "))
        .at(-1) ?? `query failed: ${failure.message.split("\n")[0]}`;
    throw failure.code === 2 ? new UsageError(line.replace(/^query: /, "")) : new RuntimeFailure(line);
  }
  return stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const { columns, rows } = JSON.parse(line) as { columns: string[]; rows: unknown[][] };
      return { columns, rows: rows.map((row) => Object.fromEntries(columns.map((c, i) => [c, row[i]]))) };
    });
}
