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

export interface NamedTable {
  name: string;
  columns: Column[];
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
  return contract.names[rule].replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`name rule ${rule} needs {${key}}`);
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
export const SILVER_COLUMNS: PerTable<Column[]> = perTable((table) => contract.silver[table].columns);
export const STREAM_TABLES: PerTable<string> = contract.stream.tables;
export const STREAM_EXTRA_COLUMNS: Column[] = contract.stream.extraColumns;
export const QUARANTINE_TABLES: { batch: string; stream: string } = {
  batch: contract.quarantine.batch,
  stream: contract.quarantine.stream,
};
export const QUARANTINE_COLUMNS: Column[] = contract.quarantine.columns;

export const GOLD: NamedTable[] = contract.gold;
export const GOLD_TABLES: string[] = GOLD.map((table) => table.name);
export const METRICS: NamedTable[] = contract.metrics;
export const METRIC_TABLES: string[] = METRICS.map((table) => table.name);
export const TRENDING: { windowMinutes: number; top: number } = contract.trending;

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
