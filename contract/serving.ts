// The serving layer's views (docs/contract.md section 8) as SQL: `<table>_now` (silver plus the cleaned stream rows
// whose key is not in silver) and `<gold>_now` (each gold query of contract/gold/<gold>.sql over the three `_now`
// views). Pure functions of the contract and of how the caller names a table.
import fs from "node:fs";
import path from "node:path";
import {
  GOLD,
  ORIGIN_COLUMN,
  SILVER_COLUMNS,
  SILVER_TABLES,
  STREAM_TABLES,
  TABLES,
  goldNowViewComment,
  nowViewComment,
  nowViewName,
  type SchemaRole,
  type Table,
} from ".";

/** Where the gold queries live: one file per gold table, a query over relations named pin, geo and user. */
export const GOLD_SQL_DIR = path.resolve(__dirname, "gold");

/** The values of the `origin` column: a row of the silver table, or a stream row whose key silver lacks. */
export const ORIGINS = { batch: "batch", stream: "stream" } as const;

/** The text of one gold query; a missing file is an error naming it. */
export function goldSql(name: string, dir = GOLD_SQL_DIR): string {
  const file = path.join(dir, `${name}.sql`);
  if (!fs.existsSync(file)) throw new Error(`gold query ${name} has no SQL: write ${file}`);
  return fs.readFileSync(file, "utf8").trim();
}

/** A table or view as SQL names it: each part in backticks, so no name is read as a keyword. */
export function quotedName(...parts: string[]): string {
  return parts.map((part) => `\`${part.replace(/`/g, "``")}\``).join(".");
}

const sqlString = (text: string): string => `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

/**
 * A gold query reading `relations[t]` where its text says `t` (pin, geo, user): the three names bound by a WITH
 * clause around the unchanged query, which sits on lines of its own so that a `--` comment in it ends before the
 * closing parenthesis (the same shape as pinterest_jobs.gold.gold_query_over).
 */
export function goldQueryOver(sql: string, relations: Record<Table, string>): string {
  const bound = TABLES.map((table) => `${quotedName(table)} AS (SELECT * FROM ${relations[table]})`).join(
    ", ",
  );
  return `WITH ${bound}\nSELECT * FROM (\n${sql}\n) AS query`;
}

/** `<table>_now`: the silver rows, then the stream rows whose key silver lacks, with `origin` (section 8). */
export function nowViewSql(table: Table, silver: string, stream: string): string {
  const columns = SILVER_COLUMNS[table].map((column) => quotedName(column.name));
  const origin = quotedName(ORIGIN_COLUMN.name);
  return [
    `SELECT ${columns.join(", ")}, ${sqlString(ORIGINS.batch)} AS ${origin} FROM ${silver}`,
    "UNION ALL",
    `SELECT ${columns.map((column) => `s.${column}`).join(", ")}, ${sqlString(ORIGINS.stream)} AS ${origin} FROM ${stream} AS s`,
    `WHERE NOT EXISTS (SELECT 1 FROM ${silver} AS b WHERE b.ind = s.ind)`,
  ].join("\n");
}

export interface ViewDefinition {
  name: string;
  comment: string;
  /** The view's SELECT. */
  sql: string;
  /** The tables (by contract name) and the views it reads, each by name. */
  readsTables: string[];
  readsViews: string[];
}

/**
 * Every view of the serving layer, in an order in which each reads only views before it. `ref(schema, name)`
 * names a table or view of the batch or the stream schema in SQL; the views live in the batch schema, with gold.
 */
export function servingViews(ref: (schema: SchemaRole, name: string) => string): ViewDefinition[] {
  const tableViews = TABLES.map((table) => ({
    name: nowViewName(table),
    comment: nowViewComment(table),
    sql: nowViewSql(table, ref("batch", SILVER_TABLES[table]), ref("stream", STREAM_TABLES[table])),
    readsTables: [SILVER_TABLES[table], STREAM_TABLES[table]],
    readsViews: [],
  }));
  const nowRefs = Object.fromEntries(
    TABLES.map((table) => [table, ref("batch", nowViewName(table))]),
  ) as Record<Table, string>;
  const goldViews = GOLD.map((gold) => ({
    name: nowViewName(gold.name),
    comment: goldNowViewComment(gold),
    sql: goldQueryOver(goldSql(gold.name), nowRefs),
    readsTables: [],
    readsViews: TABLES.map((table) => nowViewName(table)),
  }));
  return [...tableViews, ...goldViews];
}
