// Reads the jobs' Delta tables through local/read_delta.py (Parquet and the Delta log, no Spark).
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
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
    throw new Error(
      `reading Delta tables failed: ${(failure.stderr ?? failure.message).trim().split("\n").at(-1)}`,
    );
  }
}

export type Row = Record<string, unknown>;

/** Rows of each table directory. */
export async function readRows(tableDirs: string[]): Promise<Row[][]> {
  const result = await readDelta(["rows", ...tableDirs]);
  return tableDirs.map((dir) => result[dir] as Row[]);
}

/** Distinct non-null values of `column` in each table directory. */
export async function distinctCounts(column: string, tableDirs: string[]): Promise<number[]> {
  const result = await readDelta(["distinct", column, ...tableDirs]);
  return tableDirs.map((dir) => result[dir] as number);
}

/** A plain-text table: a header line and one line per row, columns padded, rows sorted. */
export function formatTable(name: string, rows: Row[]): string {
  if (rows.length === 0) return `${name}: (no rows)`;
  const columns = Object.keys(rows[0]);
  const cell = (value: unknown): string =>
    value === null || value === undefined
      ? "null"
      : typeof value === "object"
        ? JSON.stringify(value)
        : String(value);
  const lines = rows
    .map((row) => columns.map((column) => cell(row[column])))
    .sort((a, b) => a.join("\u0000").localeCompare(b.join("\u0000")));
  const widths = columns.map((column, index) =>
    Math.max(column.length, ...lines.map((line) => line[index].length)),
  );
  const render = (values: string[]): string =>
    values
      .map((value, index) => value.padEnd(widths[index]))
      .join("  ")
      .trimEnd();
  return [
    `${name} (${rows.length} rows)`,
    render(columns),
    render(widths.map((width) => "-".repeat(width))),
    ...lines.map(render),
  ].join("\n");
}
