// Reads the jobs' Delta tables through local/read_delta.py (Parquet and the Delta log, no Spark).
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { RuntimeFailure } from "../cli/errors";
import { JOBS_PYTHON } from "./run-tool";

const READER = path.join(__dirname, "read_delta.py");

async function readDelta(args: string[]): Promise<Record<string, unknown>> {
  try {
    const { stdout } = await promisify(execFile)(JOBS_PYTHON, [READER, ...args], {
      maxBuffer: 512 * 1024 * 1024,
    });
    return JSON.parse(stdout) as Record<string, unknown>;
  } catch (error) {
    const failure = error as { stderr?: string; message: string };
    throw new RuntimeFailure(
      `reading Delta tables failed: ${(failure.stderr ?? failure.message).trim().split("\n").at(-1)}`,
    );
  }
}

export type Row = Record<string, unknown>;

/** Rows of each table directory. */
export async function readRows(tableDirs: string[]): Promise<Row[][]> {
  if (tableDirs.length === 0) return [];
  const result = await readDelta(["rows", ...tableDirs]);
  return tableDirs.map((dir) => result[dir] as Row[]);
}

/** Distinct non-null values of `column` in each table directory. */
export async function distinctCounts(column: string, tableDirs: string[]): Promise<number[]> {
  if (tableDirs.length === 0) return [];
  const result = await readDelta(["distinct", column, ...tableDirs]);
  return tableDirs.map((dir) => result[dir] as number);
}

/** A plain-text table: a title line, a header line and one line per row, columns padded; rows sorted unless told. */
export function formatTable(
  name: string,
  rows: Row[],
  opts: { sorted?: boolean; title?: string } = {},
): string {
  if (rows.length === 0) return `${name}: (no rows)`;
  const columns = Object.keys(rows[0]);
  const cell = (value: unknown): string =>
    value === null || value === undefined
      ? "null"
      : typeof value === "object"
        ? JSON.stringify(value)
        : String(value);
  const lines = rows.map((row) => columns.map((column) => cell(row[column])));
  if (opts.sorted ?? true) lines.sort((a, b) => a.join("\u0000").localeCompare(b.join("\u0000")));
  const widths = columns.map((column, index) =>
    Math.max(column.length, ...lines.map((line) => line[index].length)),
  );
  const render = (values: string[]): string =>
    values
      .map((value, index) => value.padEnd(widths[index]))
      .join("  ")
      .trimEnd();
  return [
    opts.title ?? `${name} (${rows.length} rows)`,
    render(columns),
    render(widths.map((width) => "-".repeat(width))),
    ...lines.map(render),
  ].join("\n");
}

/** Rows per distinct combination of `columns` in each table directory, as `{...columns, records}`. */
export async function countBy(columns: string[], tableDirs: string[]): Promise<Row[][]> {
  if (tableDirs.length === 0) return [];
  const result = await readDelta(["count-by", columns.join(","), ...tableDirs]);
  return tableDirs.map((dir) => result[dir] as Row[]);
}

/** Whether `dir` holds a Delta table (a transaction log). */
export function isDeltaTable(dir: string): boolean {
  return fs.existsSync(path.join(dir, "_delta_log"));
}
