// Reads a report's data from a lake directory: the batch job's gold and quarantine tables, the stream job's metric
// and quarantine tables, wherever below the directory they are (local mode's lake/, or tables copied from a workspace).
import fs from "node:fs";
import path from "node:path";
import { RuntimeFailure } from "../../cli/errors";
import {
  GOLD_TABLES,
  METRIC_TABLES,
  nowViewName,
  QUARANTINE_TABLES,
  SILVER_TABLES,
  STREAM_TABLES,
  TABLES,
  type PerTable,
} from "../../contract";
import { countBy, isDeltaTable, readRows, type Row } from "../delta";
import { runQueries } from "../spark-sql";
import type { QuarantineGroup, RunResult } from "../run-result";
import type { PathName } from "../verdict";
import type { AsOfNow, ReportData } from "./charts";

const MAX_DEPTH = 3;

/** Every Delta table below `dir` by its folder name; the shallowest wins when a name repeats. */
export function findTables(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  let level = [dir];
  for (let depth = 0; depth <= MAX_DEPTH && level.length > 0; depth += 1) {
    const next: string[] = [];
    for (const folder of level) {
      if (isDeltaTable(folder)) {
        if (!found.has(path.basename(folder))) found.set(path.basename(folder), folder);
        continue;
      }
      for (const entry of fs.readdirSync(folder, { withFileTypes: true }))
        if (entry.isDirectory() && !entry.name.startsWith("_") && !entry.name.startsWith("."))
          next.push(path.join(folder, entry.name));
    }
    level = next.sort();
  }
  return found;
}

async function rowsOf(tables: Map<string, string>, names: string[]): Promise<Record<string, Row[]>> {
  const present = names.filter((name) => tables.has(name));
  const rows = await readRows(present.map((name) => tables.get(name)!));
  return Object.fromEntries(present.map((name, index) => [name, rows[index]]));
}

/** Quarantined records by path, table and reason, from the quarantine tables at these folders. */
export async function quarantineGroupsIn(
  tables: Partial<Record<PathName, string>>,
): Promise<QuarantineGroup[]> {
  const present = (Object.keys(tables) as PathName[]).filter((name) => tables[name] !== undefined);
  const groups = await countBy(
    ["table", "reason"],
    present.map((name) => tables[name]!),
  );
  return present.flatMap((name, index) =>
    groups[index].map((group) => ({
      path: name,
      table: String(group.table),
      reason: String(group.reason),
      records: Number(group.records),
    })),
  );
}

function quarantineOf(tables: Map<string, string>): Promise<QuarantineGroup[]> {
  const found: Partial<Record<PathName, string>> = {};
  for (const name of Object.keys(QUARANTINE_TABLES) as PathName[])
    found[name] = tables.get(QUARANTINE_TABLES[name]);
  return quarantineGroupsIn(found);
}

const keysOf = async (dirs: string[]): Promise<Set<unknown>[]> =>
  (await countBy(["ind"], dirs)).map((rows) => new Set(rows.map((row) => row.ind)));

/** Rows as comparable text: the same values give the same text, whichever reader produced them. */
const rowKey = (row: Row): string =>
  JSON.stringify(
    Object.keys(row)
      .sort()
      .map((key) => [key, row[key]]),
  );

/** Rows of `a` that `b` lacks. */
export function rowsMissingFrom(a: Row[], b: Row[]): Row[] {
  const others = new Set(b.map(rowKey));
  return a.filter((row) => !others.has(rowKey(row)));
}

/**
 * Where the serving views' answer ("as of now": batch plus the stream's new keys) differs from the gold tables.
 * Without stream keys beyond silver the views hold exactly silver, so the gold tables are the answer and Spark is not
 * started; otherwise each <gold>_now view is queried once.
 */
async function asOfNowOf(
  tables: Map<string, string>,
  gold: Record<string, Row[]>,
): Promise<AsOfNow | undefined> {
  const inputs = [...TABLES.map((t) => SILVER_TABLES[t]), ...TABLES.map((t) => STREAM_TABLES[t])];
  if (!inputs.every((name) => tables.has(name))) return undefined;
  const keys = await keysOf(inputs.map((name) => tables.get(name)!));
  const streamOnly = Object.fromEntries(
    TABLES.map((table, index) => [
      table,
      [...keys[TABLES.length + index]].filter((key) => !keys[index].has(key)).length,
    ]),
  ) as PerTable<number>;
  const present = GOLD_TABLES.filter((name) => gold[name]);
  if (TABLES.every((table) => streamOnly[table] === 0))
    return { streamOnly, differences: present.map((table) => ({ table, batchOnly: [], nowOnly: [] })) };
  const now = await runQueries(
    tables,
    present.map((name) => `SELECT * FROM ${nowViewName(name)}`),
  );
  return {
    streamOnly,
    differences: present.map((table, index) => ({
      table,
      batchOnly: rowsMissingFrom(gold[table], now[index].rows),
      nowOnly: rowsMissingFrom(now[index].rows, gold[table]),
    })),
  };
}

/** The report's data from `lakeDir`; `summary`, when given, adds the hop counts, the verdict and the step timings. */
export async function readReportData(lakeDir: string, summary?: RunResult): Promise<ReportData> {
  const tables = findTables(lakeDir);
  if (!GOLD_TABLES.some((name) => tables.has(name)))
    throw new RuntimeFailure(
      `no gold table below ${lakeDir} (looked for folders with a _delta_log named ${GOLD_TABLES.join(", ")}); ` +
        "point --lake at the batch job's output or a folder above it",
    );
  const gold = await rowsOf(tables, GOLD_TABLES);
  return {
    lake: lakeDir,
    generatedAt: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    gold,
    asOfNow: await asOfNowOf(tables, gold),
    metrics: await rowsOf(tables, METRIC_TABLES),
    quarantine: await quarantineOf(tables),
    run: summary && {
      counts: { source: summary.source, batch: summary.batch, stream: summary.stream },
      steps: summary.steps ?? [],
      verdict: summary.verdict,
    },
  };
}
