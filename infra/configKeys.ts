// The stack's config keys as data: one row per key of the `pinterest-pipeline:` namespace, with its type, default,
// check, hint and meaning. infra/config.ts reads a stack by these rows; test/infra/config.test.ts holds Pulumi.yaml
// and docs/deploying.md's config table to them. A new key is one row here (and its line in those two files).
import { validatePrefix } from "./names";

const MSK_MODES = ["provisioned", "serverless"] as const;
/** Where the jobs read and write on Databricks: Unity Catalog volumes, or a DBFS mount (legacy workspaces). */
const DATABRICKS_STORAGES = ["unity-catalog", "mount"] as const;
const STREAM_MODES = ["on-demand", "provisioned"] as const;
const WEBSERVER_ACCESS_MODES = ["PRIVATE_ONLY", "PUBLIC_ONLY"] as const;
const KMS_KEY_MODES = ["aws-managed", "customer"] as const;
const MWAA_CLASSES: readonly string[] = [
  "mw1.micro",
  "mw1.small",
  "mw1.medium",
  "mw1.large",
  "mw1.xlarge",
  "mw1.2xlarge",
];
const MCU_COUNTS: readonly number[] = [1, 2, 4, 8];
/** How callers of the ingest API authenticate: the API key alone, or SigV4 (AWS_IAM) with the key kept for the usage plan. */
const API_AUTHORIZATIONS = ["api-key", "iam"] as const;
const API_QUOTA_PERIODS = ["DAY", "WEEK", "MONTH"] as const;
/** Sizes a SQL warehouse takes (Databricks SQL Warehouses API, create: cluster_size), smallest first. */
export const WAREHOUSE_SIZES = [
  "2X-Small",
  "X-Small",
  "Small",
  "Medium",
  "Large",
  "X-Large",
  "2X-Large",
  "3X-Large",
  "4X-Large",
  "5X-Large",
] as const;

export type DatabricksStorage = (typeof DATABRICKS_STORAGES)[number];
export type StreamMode = (typeof STREAM_MODES)[number];
export type ApiAuthorization = (typeof API_AUTHORIZATIONS)[number];
export type ApiQuotaPeriod = (typeof API_QUOTA_PERIODS)[number];
export type WebserverAccessMode = (typeof WEBSERVER_ACCESS_MODES)[number];

/** The retention periods CloudWatch Logs accepts (PutRetentionPolicy's retentionInDays). */
export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** One config key of the `pinterest-pipeline:` namespace. */
export interface KeyRow {
  /** Where the value lands in StackConfig ("network.vpcCidr"); absent for the keys parseConfig combines itself. */
  at?: string;
  /** The type Pulumi.yaml declares (the CLI checks stack values against it). */
  type: "string" | "integer" | "boolean";
  /** Without one the key is required, unless it is `optional`. */
  default?: string | number | boolean;
  /** Neither required nor defaulted, so left out of Pulumi.yaml: the CLI requires every declared key without a default. */
  optional?: true;
  secret?: true;
  min?: number;
  max?: number;
  /** An integer that must also be a multiple of this. */
  multipleOf?: number;
  allowed?: readonly (string | number)[];
  pattern?: RegExp;
  /** What the error says a value must be, with `pattern`. */
  expected?: string;
  /** emails: a comma-separated list of addresses; sha256: a download checksum, whose hint says how to compute it. */
  format?: "emails" | "sha256";
  /** A check beyond the pattern: throws an Error that says what is wrong. */
  check?: (value: string) => void;
  /** What follows `pulumi config set <key>` in a hint; the default when absent. */
  example?: string;
  /** Pulumi.yaml's description and the meaning column of docs/deploying.md. */
  description: string;
  /** The docs table's default cell of an optional key whose default the program computes. */
  docDefault?: string;
}

const VERSION = /^[0-9]+\.[0-9]+\.[0-9]+$/;
const INSTANCE_TYPE = /^[a-z0-9]+\.[a-z0-9]+$/;
const SHA256_EXAMPLE = "<sha256 of the archive: curl -fsSL URL | sha256sum>";

// prettier-ignore
export const KEYS = {
  prefix: { at: "prefix", type: "string", check: validatePrefix, example: "pinpipe-dev", description: "Stack prefix every name derives from (3-20 lowercase letters, digits or hyphens)." },
  vpcCidr: { at: "network.vpcCidr", type: "string", default: "10.40.0.0/16", pattern: /^10\.([0-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5])\.0\.0\/16$/, expected: "a 10.N.0.0/16 block", description: "VPC block, a 10.N.0.0/16." },
  azCount: { at: "network.azCount", type: "integer", default: 2, min: 2, max: 3, description: "Availability zones (2 or 3) for subnets, MSK brokers and NAT." },
  natGatewayPerAz: { at: "network.natGatewayPerAz", type: "boolean", default: false, description: "One NAT gateway per zone (true) or one shared (false)." },
  forceDestroyBuckets: { at: "dataLake.forceDestroy", type: "boolean", default: false, example: "true", description: "Let `pulumi destroy` delete non-empty data and DAG buckets." },
  mskMode: { at: "msk.mode", type: "string", default: "provisioned", allowed: MSK_MODES, description: "provisioned MSK; serverless is refused (MSK's topic API, which creates the topics, serves provisioned clusters only)." },
  mskKafkaVersion: { at: "msk.kafkaVersion", type: "string", default: "3.8.x", pattern: /^(3\.([6-9]|[1-9][0-9])|[4-9]\.[0-9]+)\.([0-9]+|x)$/, expected: "an MSK Kafka version of 3.6.0 or later (MSK's topic API needs it), such as 3.8.x", description: "Kafka version of the provisioned MSK cluster (3.6.0 or later, for MSK's topic API)." },
  mskBrokerInstanceType: { at: "msk.brokerInstanceType", type: "string", default: "kafka.t3.small", pattern: /^kafka\.[a-z0-9]+\.[a-z0-9]+$/, expected: "an MSK broker type such as kafka.t3.small", description: "MSK broker instance type." },
  mskBrokersPerAz: { at: "msk.brokersPerAz", type: "integer", default: 1, min: 1, max: 10, description: "Brokers per availability zone (provisioned MSK)." },
  mskBrokerVolumeGb: { at: "msk.brokerVolumeGb", type: "integer", default: 20, min: 1, max: 16384, description: "EBS storage per broker, GiB." },
  topicPartitions: { at: "msk.topicPartitions", type: "integer", default: 3, min: 1, max: 1000, description: "Partitions of each of the three topics." },
  topicReplicationFactor: { at: "msk.topicReplicationFactor", type: "integer", default: 2, min: 1, max: 3, description: "Replication factor of the topics (provisioned MSK; Serverless always uses 3)." },
  restProxyInstanceType: { at: "restProxy.instanceType", type: "string", default: "t3.small", pattern: INSTANCE_TYPE, expected: "an EC2 instance type such as t3.small", description: "EC2 type of the Kafka REST proxy." },
  restProxyInstanceCount: { at: "restProxy.instanceCount", type: "integer", default: 1, min: 1, max: 6, example: "2", description: "REST proxy instances behind the NLB, spread over the private subnets." },
  confluentVersion: { at: "restProxy.confluentVersion", type: "string", default: "7.9.1", pattern: VERSION, expected: "a Confluent Platform version such as 7.9.1", description: "Confluent Platform (community) version of the Kafka REST proxy." },
  confluentSha256: { at: "restProxy.confluentSha256", type: "string", format: "sha256", example: SHA256_EXAMPLE, description: "SHA-256 of the Confluent community archive of confluentVersion; the REST proxy's boot verifies the download against it." },
  mskIamAuthVersion: { at: "restProxy.mskIamAuthVersion", type: "string", default: "2.3.7", pattern: VERSION, expected: "an aws-msk-iam-auth version such as 2.3.7", description: "aws-msk-iam-auth release used by the REST proxy (from Maven Central; the checksum of 2.3.7 is built in, other versions need mskIamAuthSha256)." },
  mskIamAuthSha256: { type: "string", optional: true, format: "sha256", example: "<sha256 of the -all jar: curl -fsSL URL | sha256sum>", docDefault: "built in for `2.3.7`", description: "SHA-256 of the aws-msk-iam-auth `-all` jar; required for any other mskIamAuthVersion." },
  connectPluginUrl: { at: "connect.pluginUrl", type: "string", default: "https://github.com/Aiven-Open/s3-connector-for-apache-kafka/releases/download/v2.15.0/s3-connector-for-apache-kafka-2.15.0.zip", pattern: /^https:\/\/\S+\.(zip|jar)$/, expected: "an https URL of the connector's .zip or .jar", example: "https://example.com/s3-connector.zip", description: "The S3 sink connector archive the program downloads, verifies and uploads as the MSK Connect custom plugin." },
  connectPluginSha256: { at: "connect.pluginSha256", type: "string", format: "sha256", example: SHA256_EXAMPLE, description: "SHA-256 of the connector archive at connectPluginUrl; the deploy stops when the download differs." },
  kafkaConnectVersion: { at: "connect.kafkaConnectVersion", type: "string", default: "3.7.x", pattern: /^[0-9]+\.[0-9]+\.([0-9]+|x)$/, expected: "an MSK Connect version such as 3.7.x", description: "MSK Connect (Kafka Connect) version." },
  connectMcuCount: { at: "connect.mcuCount", type: "integer", default: 1, allowed: MCU_COUNTS, description: "MCUs per MSK Connect worker (1, 2, 4 or 8)." },
  connectWorkerCount: { at: "connect.workerCount", type: "integer", default: 1, min: 1, max: 10, description: "MSK Connect workers." },
  streamMode: { at: "streams.mode", type: "string", default: "on-demand", allowed: STREAM_MODES, description: "on-demand or provisioned Kinesis streams." },
  streamShardCount: { at: "streams.shardCount", type: "integer", default: 1, min: 1, max: 500, description: "Shards per stream in provisioned mode." },
  streamRetentionHours: { at: "streams.retentionHours", type: "integer", default: 24, min: 24, max: 8760, description: "Kinesis retention, hours (24-8760)." },
  apiStageName: { type: "string", optional: true, pattern: /^[a-zA-Z0-9_-]{1,128}$/, expected: "letters, digits, _ or -", example: "v1", docDefault: "the stack name", description: "API Gateway stage name." },
  allowStreamAdmin: { at: "api.allowStreamAdmin", type: "boolean", default: false, description: "Expose POST and DELETE /streams/{stream-name} (create and delete a stream); opt-in only, refused in prod by the policy pack." },
  apiThrottleRateLimit: { at: "api.throttleRateLimit", type: "integer", default: 100, min: 1, max: 10000, description: "Usage plan steady-state requests per second." },
  apiThrottleBurstLimit: { at: "api.throttleBurstLimit", type: "integer", default: 200, min: 1, max: 5000, description: "Usage plan burst." },
  apiLoggingRoleExists: { type: "boolean", default: false, example: "true", description: "API Gateway's account-wide CloudWatch logging role is already set in this account and region (by another stack or an admin); turns the stage's access and execution logs on." },
  manageApiGatewayAccount: { at: "api.manageAccountLogging", type: "boolean", default: false, example: "true", description: "Set API Gateway's account-wide CloudWatch logging role (one setting per account and region; turn on in at most one stack there). Turns the stage's access and execution logs on." },
  apiAuthorization: { at: "api.authorization", type: "string", default: "api-key", allowed: API_AUTHORIZATIONS, example: "iam", description: "api-key (the x-api-key header alone) or iam (SigV4 signed with the caller's AWS credentials, plus the key); prod sets iam." },
  apiQuotaLimit: { at: "api.quotaLimit", type: "integer", default: 10_000_000, min: 1, max: 2_000_000_000, example: "50000000", description: "Requests the API key may make per apiQuotaPeriod (the usage plan's quota)." },
  apiQuotaPeriod: { at: "api.quotaPeriod", type: "string", default: "DAY", allowed: API_QUOTA_PERIODS, description: "DAY, WEEK or MONTH, the period of apiQuotaLimit." },
  apiWaf: { at: "api.waf", type: "boolean", default: false, example: "true", description: "A WAF web ACL on the API stage with a per-IP rate-based rule (prod sets true)." },
  // WAF's rate-based statement accepts 10 to 2,000,000,000 requests per evaluation window.
  apiWafRateLimit: { at: "api.wafRateLimit", type: "integer", default: 100_000, min: 10, max: 2_000_000_000, description: "Requests per source IP per 5 minutes above which the WAF rule blocks (10 or more)." },
  mwaaEnvironmentClass: { at: "orchestration.environmentClass", type: "string", default: "mw1.small", allowed: MWAA_CLASSES, description: "MWAA environment class." },
  mwaaMinWorkers: { at: "orchestration.minWorkers", type: "integer", default: 1, min: 1, max: 25, description: "MWAA minimum workers." },
  mwaaMaxWorkers: { at: "orchestration.maxWorkers", type: "integer", default: 2, min: 1, max: 25, description: "MWAA maximum workers." },
  mwaaWebserverAccessMode: { at: "orchestration.webserverAccessMode", type: "string", default: "PRIVATE_ONLY", allowed: WEBSERVER_ACCESS_MODES, description: "PRIVATE_ONLY (default, required by the policy pack) or PUBLIC_ONLY." },
  dagSchedule: { at: "orchestration.dagSchedule", type: "string", default: "@daily", description: "Airflow schedule of the batch DAG." },
  databricksHost: { at: "databricks.host", type: "string", pattern: /^https:\/\/[a-z0-9.-]+$/, expected: "the workspace URL without path, e.g. https://dbc-1234abcd-5678.cloud.databricks.com", example: "https://dbc-1234abcd-5678.cloud.databricks.com", description: "Workspace URL, e.g. https://dbc-1234abcd-5678.cloud.databricks.com" },
  databricksToken: { type: "string", optional: true, secret: true, example: "<personal access token>", description: "Personal access token of the workspace (or the OAuth pair below)." },
  databricksClientId: { type: "string", optional: true, example: "<service principal application id>", description: "OAuth service principal application id (with databricksClientSecret)." },
  databricksClientSecret: { type: "string", optional: true, secret: true, example: "<service principal OAuth secret>", description: "OAuth secret of the service principal." },
  airflowDatabricksToken: { type: "string", optional: true, secret: true, example: "<token for Airflow>", description: "Token of the Airflow connection; the provider credentials when not set." },
  airflowDatabricksPrincipal: { type: "string", optional: true, example: "<the Airflow token's user e-mail or service principal application id>", description: "Required with airflowDatabricksToken: the e-mail of the user or the application id of the service principal that token belongs to; it gets CAN_MANAGE_RUN on the batch job." },
  databricksCrossAccountRoleName: { type: "string", optional: true, example: "databricks-cross-account-role", description: "The workspace's cross-account IAM role (granted iam:PassRole on the data access role); required with `databricksStorage: mount` only." },
  databricksNodeType: { at: "databricks.nodeTypeId", type: "string", default: "m5d.large", pattern: INSTANCE_TYPE, expected: "an AWS node type such as m5d.large", description: "Node type of the single-node job clusters (and of the mount's cluster with mount storage)." },
  databricksAutoterminationMinutes: { at: "databricks.autoterminationMinutes", type: "integer", default: 20, min: 10, max: 10000, description: "Idle minutes before the mount's all-purpose cluster stops (mount storage only; job clusters stop with their run)." },
  streamJobPaused: { at: "databricks.streamJobPaused", type: "boolean", default: false, description: "Create the continuous stream job paused (saves a running cluster in dev)." },
  databricksStorage: { at: "databricks.storage", type: "string", default: "unity-catalog", allowed: DATABRICKS_STORAGES, description: "unity-catalog (storage credential, external location, volumes, service credential) or mount (instance profile and DBFS mount, for workspaces that still allow mounts)." },
  databricksCatalog: { at: "databricks.catalog", type: "string", optional: true, pattern: /^[a-zA-Z0-9_]+$/, expected: "a Unity Catalog catalog name", example: "analytics", description: "An existing Unity Catalog catalog for the schemas (and, with unity-catalog storage, the volumes); without it unity-catalog storage creates a catalog named after the prefix, and mount storage writes the Delta tables under the mount." },
  sqlWarehouseSize: { at: "databricks.warehouse.size", type: "string", default: "2X-Small", allowed: WAREHOUSE_SIZES, description: "Size of the SQL warehouse that creates the tables and views and serves queries (2X-Small to 5X-Large)." },
  // The API takes 0 (never stop) or at least 10 (Databricks SQL Warehouses API, create: auto_stop_mins).
  sqlWarehouseAutoStopMinutes: { at: "databricks.warehouse.autoStopMinutes", type: "integer", default: 10, min: 10, max: 1440, description: "Idle minutes before the SQL warehouse stops (10-1440)." },
  sqlWarehouseServerless: { at: "databricks.warehouse.serverless", type: "boolean", default: true, description: "A serverless SQL warehouse (the workspace must allow serverless SQL); false for a pro warehouse on classic compute." },
  databricksJobsServicePrincipal: { at: "databricks.jobsServicePrincipal", type: "string", optional: true, pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, expected: "a service principal's application id (a UUID)", example: "8d23ae77-912e-4a19-81e4-b9c3f5cc9349", description: "Application id of a service principal both jobs run as (`runAs`, and their clusters' single user); the stack grants it what the jobs use (USE CATALOG, the schemas, READ/WRITE VOLUME on the volumes, ACCESS on the Kinesis credential) and nothing else. The deploying identity needs the principal's \"Service Principal User\" role. Unity Catalog storage only; without it the jobs run as the deploying identity." },
  owner: { at: "owner", type: "string", default: "data-platform", pattern: /^[a-zA-Z0-9 _.:/=+@-]{1,256}$/, expected: "an AWS tag value (1-256 characters)", description: "Value of the `owner` default tag on every AWS resource (with `stack` and `prefix`)." },
  alarmEmails: { at: "monitoring.alarmEmails", type: "string", optional: true, format: "emails", example: "oncall@example.com,data@example.com", description: "Comma-separated e-mail addresses the alarms notify (docs/operations.md)." },
  alarmApi5xxErrors: { at: "monitoring.thresholds.api5xxErrors", type: "integer", default: 5, min: 1, max: 1_000_000, description: "Alarm when the API stage returns at least this many 5XX responses in 5 minutes." },
  alarmApiLatencyP99Ms: { at: "monitoring.thresholds.apiLatencyP99Ms", type: "integer", default: 3000, min: 50, max: 29_000, description: "Alarm when the API stage's p99 latency stays above this many ms for 15 minutes." },
  alarmIteratorAgeMs: { at: "monitoring.thresholds.iteratorAgeMs", type: "integer", default: 600_000, min: 1000, max: 604_800_000, description: "Alarm when a stream's oldest unread record (GetRecords.IteratorAgeMilliseconds) is older than this." },
  alarmKinesisWriteThrottles: { at: "monitoring.thresholds.kinesisWriteThrottles", type: "integer", default: 1, min: 1, max: 1_000_000, description: "Alarm when a stream throttles at least this many writes in 5 minutes." },
  alarmMskDiskUsedPercent: { at: "monitoring.thresholds.mskDiskUsedPercent", type: "integer", default: 80, min: 1, max: 99, description: "Alarm when a provisioned MSK broker's data disk is fuller than this (percent)." },
  alarmMskCpuUserPercent: { at: "monitoring.thresholds.mskCpuUserPercent", type: "integer", default: 60, min: 1, max: 99, description: "Alarm when a provisioned MSK broker's user CPU stays above this for 15 minutes (percent)." },
  alarmConnectorErroredTasks: { at: "monitoring.thresholds.connectorErroredTasks", type: "integer", default: 1, min: 1, max: 1000, description: "Alarm when the S3 sink connector has at least this many errored tasks." },
  alarmStreamIdleMinutes: { at: "monitoring.thresholds.streamIdleMinutes", type: "integer", default: 15, min: 5, max: 1440, multipleOf: 5, description: "Alarm when the unpaused stream job has not read a stream (no GetRecords call) for this many minutes (5-1440, a multiple of 5)." },
  alarmNoNewObjectsHours: { at: "monitoring.thresholds.noNewObjectsHours", type: "integer", default: 2, min: 1, max: 24, description: "Alarm when the API takes topic records but the sink writes no object for this many hours (1-24)." },
  alarmUnhealthyProxyTargets: { at: "monitoring.thresholds.unhealthyProxyTargets", type: "integer", default: 1, min: 1, max: 6, description: "Alarm when at least this many REST proxy targets of the load balancer are unhealthy." },
  alarmStatusCheckFailedMinutes: { at: "monitoring.thresholds.statusCheckFailedMinutes", type: "integer", default: 2, min: 1, max: 60, description: "Alarm when a REST proxy instance fails its status checks for this many minutes in a row." },
  alarmDagRunFailures: { at: "monitoring.thresholds.dagRunFailures", type: "integer", default: 1, min: 1, max: 100, description: "Alarm when at least this many runs of the stack's DAG fail within an hour." },
  jobFailureEmails: { at: "jobs.failureEmails", type: "string", optional: true, format: "emails", example: "data@example.com", description: "Comma-separated e-mail addresses told of a failed Databricks job run." },
  jobFailureWebhookUrl: { type: "string", optional: true, secret: true, pattern: /^https:\/\/\S+$/, expected: "an https URL", example: "https://hooks.example.com/services/T000/B000", description: "An https webhook told of a failed Databricks job run." },
  batchJobTimeoutMinutes: { at: "jobs.batchTimeoutMinutes", type: "integer", default: 120, min: 5, max: 2880, description: "Timeout of one run of the Databricks batch job." },
  batchJobMaxRetries: { at: "jobs.batchMaxRetries", type: "integer", default: 2, min: 0, max: 10, description: "Retries of a failed batch job run (the stream job is continuous and restarts on its own)." },
  budgetMonthlyUsd: { at: "monitoring.budget.monthlyUsd", type: "integer", default: 1000, min: 1, max: 10_000_000, description: "Monthly AWS Budget of the stack's resources (by their `prefix` tag), USD." },
  budgetAlertPercent: { at: "monitoring.budget.alertPercent", type: "integer", default: 80, min: 1, max: 1000, description: "Notify the alarm topic when actual cost passes this percentage of the budget." },
  logRetentionDays: { at: "hardening.logRetentionDays", type: "integer", default: 30, allowed: LOG_RETENTION_DAYS, description: "Retention of every log group of the stack (a value CloudWatch Logs accepts, e.g. 30 or 365)." },
  kmsKey: { at: "hardening.kmsKey", type: "string", default: "aws-managed", allowed: KMS_KEY_MODES, example: "customer", description: "aws-managed keys, or one customer-managed KMS key (rotated yearly) for S3, Kinesis, MSK, logs, MWAA, EBS, SNS and Secrets Manager." },
  protectDataBucket: { at: "hardening.protectDataBucket", type: "boolean", default: false, example: "true", description: "Pulumi `protect` on the data bucket, so no update or destroy deletes it." },
} as const satisfies Record<string, KeyRow>;
