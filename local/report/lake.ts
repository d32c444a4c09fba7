// Reads a report's data from a lake directory: the batch job's gold and quarantine tables, the stream job's metric
// and quarantine tables, wherever below the directory they are (local mode's lake/, or tables copied from a workspace).
import fs from "node:fs";
import path from "node:path";
import { RuntimeFailure } from "../../cli/errors";
import { GOLD_TABLES, METRIC_TABLES, QUARANTINE_TABLES } from "../../contract";
import { countBy, isDeltaTable, readRows, type Row } from "../delta";
import type { QuarantineGroup, RunResult } from "../run-result";
import type { PathName } from "../verdict";
import type { ReportData } from "./charts";

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

/** The report's data from `lakeDir`; `summary`, when given, adds the hop counts, the verdict and the step timings. */
export async function readReportData(lakeDir: string, summary?: RunResult): Promise<ReportData> {
  const tables = findTables(lakeDir);
  if (!GOLD_TABLES.some((name) => tables.has(name)))
    throw new RuntimeFailure(
      `no gold table below ${lakeDir} (looked for folders with a _delta_log named ${GOLD_TABLES.join(", ")}); ` +
        "point --lake at the batch job's output or a folder above it",
    );
  return {
    lake: lakeDir,
    generatedAt: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    gold: await rowsOf(tables, GOLD_TABLES),
    metrics: await rowsOf(tables, METRIC_TABLES),
    quarantine: await quarantineOf(tables),
    run: summary && {
      counts: { source: summary.source, batch: summary.batch, stream: summary.stream },
      steps: summary.steps ?? [],
      verdict: summary.verdict,
    },
  };
}
