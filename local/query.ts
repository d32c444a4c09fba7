// `npm run local -- query "SQL" [--json]`: SQL against the local lake under the catalog's names (the silver, gold,
// stream and metric tables, and the serving views pin_now, ..., <gold>_now), through local/query.py on local Spark.
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { RuntimeFailure, UsageError } from "../cli/errors";
import { formatTable, type Row } from "./delta";
import { findTables } from "./report/lake";
import { JOBS_PYTHON } from "./run-tool";

const RUNNER = path.join(__dirname, "query.py");

export interface QueryResult {
  columns: string[];
  rows: Row[];
}

/** Runs each SQL statement over the Delta tables below `lakeDir` (found by folder name) in one Spark session. */
export async function runQueries(lakeDir: string, statements: string[]): Promise<QueryResult[]> {
  const tables = findTables(lakeDir);
  if (tables.size === 0)
    throw new UsageError(`no Delta table below ${lakeDir}: run npm run local first (or give its --state-dir)`);
  const args = [RUNNER, ...[...tables].flatMap(([name, dir]) => ["--table", `${name}=${dir}`]), ...statements];
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

/** The command: one statement, printed as a table or (--json) as JSON lines. */
export async function query(stateDir: string, sql: string, json: boolean): Promise<void> {
  const lakeDir = path.join(stateDir, "lake");
  if (!fs.existsSync(lakeDir))
    throw new UsageError(`no local lake at ${lakeDir}: run npm run local first (or give its --state-dir)`);
  const [result] = await runQueries(lakeDir, [sql]);
  if (json) {
    for (const row of result.rows) console.log(JSON.stringify(row));
    return;
  }
  console.log(
    result.rows.length === 0
      ? `(no rows; columns ${result.columns.join(", ")})`
      : formatTable("query", result.rows, { sorted: false, title: `${result.rows.length} rows` }),
  );
}
