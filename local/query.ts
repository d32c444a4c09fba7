// `npm run local -- query "SQL" [--json]`: SQL against the local lake under the catalog's names (the silver, gold,
// stream and metric tables, and the serving views pin_now, ..., <gold>_now), through local/query.py on local Spark.
import fs from "node:fs";
import path from "node:path";
import { UsageError } from "../cli/errors";
import { formatTable } from "./delta";
import { findTables } from "./report/lake";
import { runQueries } from "./spark-sql";

/** The command: one statement, printed as a table or (--json) as JSON lines. */
export async function query(stateDir: string, sql: string, json: boolean): Promise<void> {
  const lakeDir = path.join(stateDir, "lake");
  if (!fs.existsSync(lakeDir))
    throw new UsageError(`no local lake at ${lakeDir}: run npm run local first (or give its --state-dir)`);
  const [result] = await runQueries(findTables(lakeDir), [sql]);
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
