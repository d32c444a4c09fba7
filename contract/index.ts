// The TypeScript reader of contract/contract.json: every table, column and name rule of the pipeline
// (docs/contract.md). Only this module and the jobs' pinterest_jobs.contract read the file.
import contract from "./contract.json";

export const TABLES = ["pin", "geo", "user"] as const;
export type Table = (typeof TABLES)[number];
export type PerTable<T> = Record<Table, T>;

export interface Column {
  name: string;
  type: string;
}

/** A column of a table the pipeline writes: the catalog carries its comment. */
export interface CommentedColumn extends Column {
  comment: string;
}

export interface NamedTable {
  name: string;
  comment: string;
  columns: CommentedColumn[];
}

if (JSON.stringify(contract.tables) !== JSON.stringify(TABLES)) {
  throw new Error(
    `contract/contract.json lists tables ${contract.tables.join(", ")}; this reader knows pin, geo, user`,
  );
}

export function perTable<T>(make: (table: Table) => T): PerTable<T> {
  return { pin: make("pin"), geo: make("geo"), user: make("user") };
}

const PREFIX_PATTERN = new RegExp(contract.prefix.pattern);

export function validatePrefix(prefix: string): string {
  if (!PREFIX_PATTERN.test(prefix))
    throw new Error(`prefix "${prefix}" is invalid: use ${contract.prefix.rule}`);
  return prefix;
}

type NameRule = keyof typeof contract.names;

/** Fills a naming rule's `{placeholders}`; every placeholder must be given. */
export function renderName(rule: NameRule, values: Record<string, string>): string {
  return fillTemplate(contract.names[rule], values, `name rule ${rule}`);
}

function fillTemplate(template: string, values: Record<string, string>, what: string): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`${what} needs {${key}}`);
    return value;
  });
}

function prefixed(rule: NameRule, prefix: string, extra: Record<string, string> = {}): string {
  validatePrefix(prefix);
  return renderName(rule, { prefix, prefixUnderscored: prefix.replace(/-/g, "_"), ...extra });
}

/** Kafka topics of the batch path. */
export function topicNames(prefix: string): PerTable<string> {
  return perTable((table) => prefixed("topic", prefix, { table }));
}

/** Kinesis streams of the stream path. */
export function streamNames(prefix: string): PerTable<string> {
  return perTable((table) => prefixed("stream", prefix, { table }));
}

/** The S3 sink connector, the same name on MSK Connect and on local Kafka Connect. */
export function s3SinkConnectorName(prefix: string): string {
  return prefixed("s3SinkConnector", prefix);
}

/** Kafka Connect names a sink connector's consumer group `connect-<connector name>`. */
export function s3SinkConsumerGroup(prefix: string): string {
  return `connect-${s3SinkConnectorName(prefix)}`;
}

/** Where the S3 sink writes one topic, relative to the bucket root. */
export function topicDir(topic: string): string {
  return renderName("topicDir", { topic });
}

/** Key of one object the S3 sink writes; the values may be a connector's own template variables. */
export function sinkObjectKey(values: { topic: string; partition: string; startOffset: string }): string {
  return renderName("sinkObject", { ...values, topicDir: topicDir(values.topic) });
}

/** S3 bucket of the topic data; the account id makes the global bucket name unique. */
export function dataBucketName(prefix: string, accountId: string): string {
  return prefixed("dataBucket", prefix, { accountId });
}

/** MWAA source bucket; MWAA requires the name to start with `airflow-`. */
export function dagBucketName(prefix: string, accountId: string): string {
  return prefixed("dagBucket", prefix, { accountId });
}

/** Unity Catalog schemas (or database names) of the batch and the stream tables. */
export function deltaSchemaNames(prefix: string): { batch: string; stream: string } {
  return { batch: prefixed("batchSchema", prefix), stream: prefixed("streamSchema", prefix) };
}

export interface SourceTable {
  table: string;
  key: string;
  columns: Column[];
}

export const SOURCE: PerTable<SourceTable> = contract.source;
/** Source database table of each logical table. */
export const SOURCE_TABLES: PerTable<string> = perTable((table) => SOURCE[table].table);
export const SOURCE_COLUMNS: PerTable<string[]> = perTable((table) =>
  SOURCE[table].columns.map((c) => c.name),
);
export const SOURCE_KEYS: PerTable<string> = perTable((table) => SOURCE[table].key);

/** The source's "no data" values (docs/contract.md, source database). */
export const PLACEHOLDERS = contract.placeholders;

export const SILVER_TABLES: PerTable<string> = perTable((table) => contract.silver[table].name);
export const SILVER_COLUMNS: PerTable<CommentedColumn[]> = perTable(
  (table) => contract.silver[table].columns,
);
export const STREAM_TABLES: PerTable<string> = contract.stream.tables;
export const STREAM_EXTRA_COLUMNS: CommentedColumn[] = contract.stream.extraColumns;
export const QUARANTINE_TABLES: { batch: string; stream: string } = {
  batch: contract.quarantine.batch,
  stream: contract.quarantine.stream,
};
export const QUARANTINE_COLUMNS: CommentedColumn[] = contract.quarantine.columns;

export const GOLD: NamedTable[] = contract.gold;
export const GOLD_TABLES: string[] = GOLD.map((table) => table.name);
export const METRICS: NamedTable[] = contract.metrics;
export const METRIC_TABLES: string[] = METRICS.map((table) => table.name);
export const TRENDING: { windowMinutes: number; top: number } = contract.trending;

/** The two places tables live: the batch job's schema and the stream job's (`deltaSchemaNames`). */
export type SchemaRole = "batch" | "stream";

/** A Delta table the jobs write, as the catalog declares it. */
export interface CatalogTable extends NamedTable {
  schema: SchemaRole;
}

/**
 * Every table the jobs write, with its schema, comment and columns: the batch job's silver, quarantine and gold
 * tables, then the stream job's cleaned tables (silver columns plus `arrived_at`), quarantine and metrics.
 */
export const CATALOG_TABLES: CatalogTable[] = [
  ...TABLES.map((table) => ({ schema: "batch" as const, ...contract.silver[table] })),
  {
    schema: "batch",
    name: contract.quarantine.batch,
    comment: contract.quarantine.comments.batch,
    columns: QUARANTINE_COLUMNS,
  },
  ...GOLD.map((table) => ({ schema: "batch" as const, ...table })),
  ...TABLES.map((table) => ({
    schema: "stream" as const,
    name: STREAM_TABLES[table],
    comment: contract.stream.comments[table],
    columns: [...SILVER_COLUMNS[table], ...STREAM_EXTRA_COLUMNS],
  })),
  {
    schema: "stream",
    name: contract.quarantine.stream,
    comment: contract.quarantine.comments.stream,
    columns: QUARANTINE_COLUMNS,
  },
  ...METRICS.map((table) => ({ schema: "stream" as const, ...table })),
];

/** The table named `name`; an unknown name is an error. */
export function catalogTable(name: string): CatalogTable {
  const table = CATALOG_TABLES.find((candidate) => candidate.name === name);
  if (!table) throw new Error(`contract/contract.json has no table ${name}`);
  return table;
}

/** The serving layer's view of a relation (`pin`, `geo`, `user`) or of a gold table (docs/contract.md, section 8). */
export function nowViewName(name: string): string {
  return renderName("nowView", { name });
}

/** The column of a `<table>_now` view saying whether a row came from silver or from the stream. */
export const ORIGIN_COLUMN: CommentedColumn = contract.serving.origin;

/** Comment of the `_now` view of a relation (`pin`, `geo`, `user`). */
export function nowViewComment(table: Table): string {
  const values = { silver: SILVER_TABLES[table], stream: STREAM_TABLES[table] };
  return fillTemplate(contract.serving.comments.table, values, "the serving comment of a table");
}

/** Comment of the `_now` view of a gold table. */
export function goldNowViewComment(gold: NamedTable): string {
  return fillTemplate(
    contract.serving.comments.gold,
    { comment: gold.comment },
    "the serving comment of gold",
  );
}

/** The stack outputs every stack exports and local mode writes (docs/contract.md, stack outputs). */
export const REQUIRED_OUTPUTS: string[] = contract.outputs;

/** Every table the contract declares, by its name: silver, stream, quarantine, gold and metric tables. */
export const DECLARED_TABLES: string[] = [
  ...Object.values(SILVER_TABLES),
  ...Object.values(STREAM_TABLES),
  QUARANTINE_TABLES.batch,
  QUARANTINE_TABLES.stream,
  ...GOLD_TABLES,
  ...METRIC_TABLES,
];

const TABLE_PROPERTIES: Record<string, Record<string, string>> = contract.tableProperties;

/** The Delta properties a table is created with: the contract's defaults merged with the table's own
 * (docs/contract.md, table properties). */
export function tableProperties(name: string): Record<string, string> {
  if (!DECLARED_TABLES.includes(name))
    throw new Error(
      `table ${name} is not in contract/contract.json: use one of ${DECLARED_TABLES.join(", ")}`,
    );
  return { ...TABLE_PROPERTIES.default, ...TABLE_PROPERTIES[name] };
}
