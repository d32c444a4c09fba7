// Names of the cloud resources of one stack. The pipeline's own names (topics, streams, connector, buckets,
// tables) come from contract/; this module re-exports them for the program.

export {
  TABLES,
  dagBucketName,
  dataBucketName,
  deltaSchemaNames,
  s3SinkConnectorName,
  s3SinkConsumerGroup,
  streamNames,
  topicNames,
  validatePrefix,
  type PerTable,
  type Table,
} from "../contract";
import { validatePrefix } from "../contract";

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

export function mskClusterName(prefix: string): string {
  validatePrefix(prefix);
  return `${prefix}-msk`;
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
