// Every name of the pipeline derives from the stack prefix here, and nowhere else.

export const TABLES = ["pin", "geo", "user"] as const;
export type Table = (typeof TABLES)[number];
export type PerTable<T> = Record<Table, T>;

const PREFIX_PATTERN = /^[a-z0-9][a-z0-9-]{1,18}[a-z0-9]$/;

export function validatePrefix(prefix: string): string {
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new Error(
      `prefix "${prefix}" is invalid: use 3-20 lowercase letters, digits or hyphens, starting and ending with a letter or digit`,
    );
  }
  return prefix;
}

function perTable<T>(make: (table: Table) => T): PerTable<T> {
  return { pin: make("pin"), geo: make("geo"), user: make("user") };
}

/** Kafka topics of the batch path: `{prefix}.pin`, `{prefix}.geo`, `{prefix}.user`. */
export function topicNames(prefix: string): PerTable<string> {
  validatePrefix(prefix);
  return perTable((table) => `${prefix}.${table}`);
}

/** Kinesis streams of the stream path: `{prefix}-pin`, `{prefix}-geo`, `{prefix}-user`. */
export function streamNames(prefix: string): PerTable<string> {
  validatePrefix(prefix);
  return perTable((table) => `${prefix}-${table}`);
}

/** Airflow DAG id of the daily batch run; it carries the prefix so that stacks sharing an MWAA never clash. */
export function dagId(prefix: string): string {
  validatePrefix(prefix);
  return `pinterest_batch_${prefix.replace(/-/g, "_")}`;
}

/** File name of the rendered DAG under the MWAA bucket's `dags/` folder. */
export function dagFileName(prefix: string): string {
  return `${dagId(prefix)}.py`;
}

// ---- Cloud resource names of one stack (used by infra/ only). ----

/** The Pulumi project name; also the namespace of the stack's own config keys. */
export const PROJECT = "pinterest-pipeline";

/** Airflow connection id the DAG uses to reach Databricks (dags/pinterest_batch_dag.py: DATABRICKS_CONN_ID). */
export const AIRFLOW_DATABRICKS_CONN_ID = "databricks_default";

/** S3 bucket of the topic data; the account id makes the global bucket name unique. */
export function dataBucketName(prefix: string, accountId: string): string {
  validatePrefix(prefix);
  return `${prefix}-pipeline-data-${accountId}`;
}

/** MWAA source bucket; MWAA requires the name to start with `airflow-`. */
export function dagBucketName(prefix: string, accountId: string): string {
  validatePrefix(prefix);
  return `airflow-${prefix}-dags-${accountId}`;
}

export function mskClusterName(prefix: string): string {
  validatePrefix(prefix);
  return `${prefix}-msk`;
}

export function s3SinkConnectorName(prefix: string): string {
  validatePrefix(prefix);
  return `${prefix}-s3-sink`;
}

/** Kafka Connect names a sink connector's consumer group `connect-<connector name>`. */
export function s3SinkConsumerGroup(prefix: string): string {
  return `connect-${s3SinkConnectorName(prefix)}`;
}

export function mwaaEnvironmentName(prefix: string): string {
  validatePrefix(prefix);
  return `${prefix}-airflow`;
}

/** Secrets Manager prefix of the Airflow connections of one stack (the MWAA secrets backend reads below it). */
export function airflowConnectionsPrefix(prefix: string): string {
  validatePrefix(prefix);
  return `airflow/${prefix}/connections`;
}

/** Name of the Databricks mount of the data bucket; mounted at `/mnt/<name>`. */
export function mountName(prefix: string): string {
  validatePrefix(prefix);
  return `${prefix}-data`;
}

export function mountPoint(prefix: string): string {
  return `/mnt/${mountName(prefix)}`;
}

/** The mount as a Spark URI, for the jobs' --input parameter. */
export function mountUri(prefix: string): string {
  return `dbfs:${mountPoint(prefix)}`;
}

/** Workspace folder that holds the job package and the job entry files. */
export function workspaceDir(prefix: string): string {
  validatePrefix(prefix);
  return `/Shared/${PROJECT}/${prefix}`;
}

/** Unity Catalog schemas (or database names) of the batch and the stream tables. */
export function deltaSchemaNames(prefix: string): { batch: string; stream: string } {
  validatePrefix(prefix);
  const base = prefix.replace(/-/g, "_");
  return { batch: `${base}_batch`, stream: `${base}_stream` };
}
