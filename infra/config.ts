// The stack's config: every key, its type, its default and its check, read and validated in one place.
import { PROJECT, validatePrefix } from "./names";
import { MSK_IAM_AUTH_SHA256 } from "./restProxyUserData";

export type MskMode = "provisioned" | "serverless";
/** Where the jobs read and write on Databricks: Unity Catalog volumes, or a DBFS mount (legacy workspaces). */
export type DatabricksStorage = "unity-catalog" | "mount";
export type StreamMode = "on-demand" | "provisioned";
export type WebserverAccessMode = "PRIVATE_ONLY" | "PUBLIC_ONLY";
export type KmsKeyMode = "aws-managed" | "customer";

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
export type WarehouseSize = (typeof WAREHOUSE_SIZES)[number];

export interface WarehouseSettings {
  size: WarehouseSize;
  /** Idle minutes before it stops; the API takes 0 (never) or 10 and more, and this program refuses 0. */
  autoStopMinutes: number;
  serverless: boolean;
}

/** The retention periods CloudWatch Logs accepts (PutRetentionPolicy's retentionInDays). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Alarm thresholds (docs/operations.md has the table of alarms). */
export interface AlarmThresholds {
  api5xxErrors: number;
  apiLatencyP99Ms: number;
  iteratorAgeMs: number;
  kinesisWriteThrottles: number;
  mskDiskUsedPercent: number;
  mskCpuUserPercent: number;
  connectorErroredTasks: number;
  noNewObjectsHours: number;
  unhealthyProxyTargets: number;
  statusCheckFailedMinutes: number;
  dagRunFailures: number;
}

export type DatabricksAuth<Secret> =
  { kind: "token"; token: Secret } | { kind: "oauth"; clientId: string; clientSecret: Secret };

export interface StackConfig<Secret = string> {
  stack: string;
  prefix: string;
  region: string;
  network: { vpcCidr: string; azCount: number; natGatewayPerAz: boolean };
  dataLake: { forceDestroy: boolean };
  msk: {
    mode: MskMode;
    kafkaVersion: string;
    brokerInstanceType: string;
    brokersPerAz: number;
    brokerVolumeGb: number;
    topicPartitions: number;
    topicReplicationFactor: number;
  };
  restProxy: {
    instanceType: string;
    instanceCount: number;
    confluentVersion: string;
    confluentSha256: string;
    mskIamAuthVersion: string;
    mskIamAuthSha256: string;
  };
  connect: {
    pluginUrl: string;
    pluginSha256: string;
    kafkaConnectVersion: string;
    mcuCount: number;
    workerCount: number;
  };
  streams: { mode: StreamMode; shardCount: number; retentionHours: number };
  api: {
    stageName: string;
    allowStreamAdmin: boolean;
    throttleRateLimit: number;
    throttleBurstLimit: number;
    /** API Gateway's CloudWatch role is one setting per account and region: exactly one stack there manages it. */
    manageAccountLogging: boolean;
  };
  orchestration: {
    environmentClass: string;
    minWorkers: number;
    maxWorkers: number;
    webserverAccessMode: WebserverAccessMode;
    dagSchedule: string;
  };
  databricks: {
    host: string;
    auth: DatabricksAuth<Secret>;
    /** Token of the Airflow connection; the provider's token (or OAuth client) when not set. */
    airflowToken: Secret | undefined;
    crossAccountRoleName: string;
    nodeTypeId: string;
    autoterminationMinutes: number;
    streamJobPaused: boolean;
    storage: DatabricksStorage;
    catalog: string | undefined;
    /** The SQL warehouse that runs the tables' DDL and serves the views. */
    warehouse: WarehouseSettings;
  };
  /** The `owner` default tag of every AWS resource (with `stack` and `prefix`). */
  owner: string;
  monitoring: {
    alarmEmails: string[];
    thresholds: AlarmThresholds;
    budget: { monthlyUsd: number; alertPercent: number };
  };
  jobs: {
    failureEmails: string[];
    failureWebhookUrl: Secret | undefined;
    batchTimeoutMinutes: number;
    batchMaxRetries: number;
  };
  hardening: { logRetentionDays: number; kmsKey: KmsKeyMode; protectDataBucket: boolean };
}

export class ConfigError extends Error {}

interface KeySpec {
  /** What to put after `pulumi config set <key>` in the hint. */
  example: string;
  secret?: boolean;
  /**
   * Optional without a default. Not declared in Pulumi.yaml, since the CLI requires every declared key
   * without a default.
   */
  optional?: boolean;
}

// Keys of the `pinterest-pipeline:` namespace, with the example value shown in error hints.
const KEYS = {
  prefix: { example: "pinpipe-dev" },
  vpcCidr: { example: "10.40.0.0/16" },
  azCount: { example: "2" },
  natGatewayPerAz: { example: "false" },
  forceDestroyBuckets: { example: "true" },
  mskMode: { example: "provisioned" },
  mskKafkaVersion: { example: "3.8.x" },
  mskBrokerInstanceType: { example: "kafka.t3.small" },
  mskBrokersPerAz: { example: "1" },
  mskBrokerVolumeGb: { example: "20" },
  topicPartitions: { example: "3" },
  topicReplicationFactor: { example: "2" },
  restProxyInstanceType: { example: "t3.small" },
  restProxyInstanceCount: { example: "2" },
  confluentVersion: { example: "7.9.1" },
  confluentSha256: { example: "<sha256 of the archive: curl -fsSL URL | sha256sum>" },
  mskIamAuthVersion: { example: "2.3.7" },
  mskIamAuthSha256: { optional: true, example: "<sha256 of the -all jar: curl -fsSL URL | sha256sum>" },
  connectPluginUrl: { example: "https://example.com/s3-connector.zip" },
  connectPluginSha256: { example: "<sha256 of the archive: curl -fsSL URL | sha256sum>" },
  kafkaConnectVersion: { example: "3.7.x" },
  connectMcuCount: { example: "1" },
  connectWorkerCount: { example: "1" },
  streamMode: { example: "on-demand" },
  streamShardCount: { example: "1" },
  streamRetentionHours: { example: "24" },
  apiStageName: { optional: true, example: "v1" },
  allowStreamAdmin: { example: "false" },
  apiThrottleRateLimit: { example: "100" },
  apiThrottleBurstLimit: { example: "200" },
  manageApiGatewayAccount: { example: "true" },
  mwaaEnvironmentClass: { example: "mw1.small" },
  mwaaMinWorkers: { example: "1" },
  mwaaMaxWorkers: { example: "2" },
  mwaaWebserverAccessMode: { example: "PRIVATE_ONLY" },
  dagSchedule: { example: "@daily" },
  databricksHost: { example: "https://dbc-1234abcd-5678.cloud.databricks.com" },
  databricksToken: { optional: true, example: "<personal access token>", secret: true },
  databricksClientId: { optional: true, example: "<service principal application id>" },
  databricksClientSecret: { optional: true, example: "<service principal OAuth secret>", secret: true },
  airflowDatabricksToken: { optional: true, example: "<token for Airflow>", secret: true },
  databricksCrossAccountRoleName: { optional: true, example: "databricks-cross-account-role" },
  databricksNodeType: { example: "m5d.large" },
  databricksAutoterminationMinutes: { example: "20" },
  streamJobPaused: { example: "false" },
  databricksStorage: { example: "unity-catalog" },
  databricksCatalog: { optional: true, example: "analytics" },
  sqlWarehouseSize: { example: "2X-Small" },
  sqlWarehouseAutoStopMinutes: { example: "10" },
  sqlWarehouseServerless: { example: "true" },
  owner: { example: "data-platform" },
  alarmEmails: { optional: true, example: "oncall@example.com,data@example.com" },
  alarmApi5xxErrors: { example: "5" },
  alarmApiLatencyP99Ms: { example: "3000" },
  alarmIteratorAgeMs: { example: "600000" },
  alarmKinesisWriteThrottles: { example: "1" },
  alarmMskDiskUsedPercent: { example: "80" },
  alarmMskCpuUserPercent: { example: "60" },
  alarmConnectorErroredTasks: { example: "1" },
  alarmNoNewObjectsHours: { example: "2" },
  alarmUnhealthyProxyTargets: { example: "1" },
  alarmStatusCheckFailedMinutes: { example: "2" },
  alarmDagRunFailures: { example: "1" },
  jobFailureEmails: { optional: true, example: "data@example.com" },
  jobFailureWebhookUrl: {
    optional: true,
    secret: true,
    example: "https://hooks.example.com/services/T000/B000",
  },
  batchJobTimeoutMinutes: { example: "120" },
  batchJobMaxRetries: { example: "2" },
  budgetMonthlyUsd: { example: "1000" },
  budgetAlertPercent: { example: "80" },
  logRetentionDays: { example: "30" },
  kmsKey: { example: "customer" },
  protectDataBucket: { example: "true" },
} satisfies Record<string, KeySpec>;

export type ConfigKey = keyof typeof KEYS;
export const CONFIG_KEYS = Object.keys(KEYS) as ConfigKey[];
export const SECRET_KEYS = CONFIG_KEYS.filter((key) => (KEYS[key] as KeySpec).secret === true);
export const OPTIONAL_KEYS = CONFIG_KEYS.filter((key) => (KEYS[key] as KeySpec).optional === true);

/** The command that sets one key, for error messages and the README. */
export function configSetCommand(key: ConfigKey | "aws:region", example?: string): string {
  if (key === "aws:region") return `pulumi config set aws:region ${example ?? "us-east-1"}`;
  const spec: KeySpec = KEYS[key];
  return `pulumi config set ${spec.secret ? "--secret " : ""}${key} ${example ?? spec.example}`;
}

/** Reads the raw `namespace:key` map of a stack (as `pulumi.runtime.allConfig()` returns it) into a typed config. */
export function parseConfig(raw: Record<string, string>, stack: string): StackConfig {
  const problems: string[] = [];
  const value = (key: ConfigKey): string | undefined => {
    const found = raw[`${PROJECT}:${key}`];
    return found === undefined || found.trim() === "" ? undefined : found.trim();
  };
  const missing = (key: ConfigKey | "aws:region", why = "is required") =>
    problems.push(
      `config "${key === "aws:region" ? key : `${PROJECT}:${key}`}" ${why}: run \`${configSetCommand(key)}\``,
    );
  const invalid = (key: ConfigKey, got: string, expected: string) =>
    problems.push(
      `config "${PROJECT}:${key}" is "${got}" but must be ${expected}: run \`${configSetCommand(key)}\``,
    );

  const str = (key: ConfigKey, fallback: string, pattern?: RegExp, expected?: string): string => {
    const got = value(key);
    if (got === undefined) return fallback;
    if (pattern && !pattern.test(got)) invalid(key, got, expected ?? `of the form ${pattern}`);
    return got;
  };
  const required = (key: ConfigKey): string => {
    const got = value(key);
    if (got === undefined) missing(key);
    return got ?? "";
  };
  const int = (key: ConfigKey, fallback: number, min: number, max: number): number => {
    const got = value(key);
    if (got === undefined) return fallback;
    const parsed = /^-?[0-9]+$/.test(got) ? Number(got) : NaN;
    if (!(parsed >= min && parsed <= max)) {
      invalid(key, got, `an integer from ${min} to ${max}`);
      return fallback;
    }
    return parsed;
  };
  const bool = (key: ConfigKey, fallback: boolean): boolean => {
    const got = value(key);
    if (got === undefined) return fallback;
    if (got !== "true" && got !== "false") invalid(key, got, "true or false");
    return got === "true";
  };
  const oneOf = <T extends string>(key: ConfigKey, fallback: T, allowed: readonly T[]): T => {
    const got = value(key);
    if (got === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(got)) {
      invalid(key, got, `one of ${allowed.join(", ")}`);
      return fallback;
    }
    return got as T;
  };

  const emails = (key: ConfigKey): string[] => {
    const got = value(key);
    if (got === undefined) return [];
    const list = got.split(",").map((address) => address.trim());
    const bad = list.filter((address) => !/^[^@\s,]+@[^@\s,]+\.[^@\s,]+$/.test(address));
    if (bad.length > 0) invalid(key, got, "comma-separated e-mail addresses");
    return list;
  };

  /** A required checksum; the hint says how to compute it, since no default can be trusted. */
  const sha256 = (key: ConfigKey): string => {
    const got = value(key);
    if (got === undefined) {
      problems.push(
        `config "${PROJECT}:${key}" is required (the SHA-256 of the file, which the deploy verifies): compute it with \`curl -fsSL <its URL> | sha256sum\` and run \`pulumi config set ${key} <sha256>\``,
      );
      return "";
    }
    if (!/^[0-9a-f]{64}$/.test(got)) invalid(key, got, "64 lowercase hexadecimal digits (a SHA-256)");
    return got;
  };
  const mskIamAuthVersion = str(
    "mskIamAuthVersion",
    "2.3.7",
    /^[0-9]+\.[0-9]+\.[0-9]+$/,
    "an aws-msk-iam-auth version such as 2.3.7",
  );

  const databricksStorage = oneOf<DatabricksStorage>("databricksStorage", "unity-catalog", [
    "unity-catalog",
    "mount",
  ]);

  const prefix = required("prefix");
  if (prefix !== "") {
    try {
      validatePrefix(prefix);
    } catch (error) {
      problems.push(
        `config "${PROJECT}:prefix": ${(error as Error).message}: run \`${configSetCommand("prefix")}\``,
      );
    }
  }
  const region = raw["aws:region"];
  if (region === undefined || region.trim() === "") missing("aws:region");

  const azCount = int("azCount", 2, 2, 3);
  const mskMode = oneOf<MskMode>("mskMode", "provisioned", ["provisioned", "serverless"]);
  // The topics are created through MSK's topic API (aws.msk.Topic), which serves provisioned clusters on
  // Kafka 3.6.0 or later only (MSK developer guide, "Topic Operations", requirements).
  if (mskMode === "serverless") {
    problems.push(
      `config "${PROJECT}:mskMode" is "serverless", but the program creates the topics with MSK's topic API, which MSK Serverless does not serve: run \`${configSetCommand("mskMode", "provisioned")}\``,
    );
  }
  const topicReplicationFactor = int("topicReplicationFactor", 2, 1, 3);
  if (mskMode === "provisioned" && topicReplicationFactor > azCount * int("mskBrokersPerAz", 1, 1, 10)) {
    problems.push(
      `config "${PROJECT}:topicReplicationFactor" (${topicReplicationFactor}) exceeds the number of brokers: run \`${configSetCommand("topicReplicationFactor", String(azCount))}\``,
    );
  }
  const minWorkers = int("mwaaMinWorkers", 1, 1, 25);
  const maxWorkers = int("mwaaMaxWorkers", 2, 1, 25);
  if (maxWorkers < minWorkers) {
    problems.push(
      `config "${PROJECT}:mwaaMaxWorkers" (${maxWorkers}) is below mwaaMinWorkers (${minWorkers}): run \`${configSetCommand("mwaaMaxWorkers", String(minWorkers))}\``,
    );
  }

  const host = required("databricksHost");
  if (host !== "" && !/^https:\/\/[a-z0-9.-]+$/.test(host)) {
    invalid(
      "databricksHost",
      host,
      "the workspace URL without path, e.g. https://dbc-1234abcd-5678.cloud.databricks.com",
    );
  }
  const token = value("databricksToken");
  const clientId = value("databricksClientId");
  const clientSecret = value("databricksClientSecret");
  let auth: DatabricksAuth<string> = { kind: "token", token: token ?? "" };
  if (token !== undefined && (clientId !== undefined || clientSecret !== undefined)) {
    problems.push(
      `config "${PROJECT}:databricksToken" and "${PROJECT}:databricksClientId"/"databricksClientSecret" are both set: keep one, e.g. \`pulumi config rm databricksToken\``,
    );
  } else if (clientId !== undefined || clientSecret !== undefined) {
    if (clientId === undefined) missing("databricksClientId", "is required with databricksClientSecret");
    if (clientSecret === undefined) missing("databricksClientSecret", "is required with databricksClientId");
    auth = { kind: "oauth", clientId: clientId ?? "", clientSecret: clientSecret ?? "" };
  } else if (token === undefined) {
    problems.push(
      `config "${PROJECT}:databricksToken" is required (or databricksClientId with databricksClientSecret): run \`${configSetCommand("databricksToken")}\``,
    );
  }

  const config: StackConfig = {
    stack,
    prefix,
    region: region?.trim() ?? "",
    network: {
      vpcCidr: str(
        "vpcCidr",
        "10.40.0.0/16",
        /^10\.([0-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5])\.0\.0\/16$/,
        "a 10.N.0.0/16 block",
      ),
      azCount,
      natGatewayPerAz: bool("natGatewayPerAz", false),
    },
    dataLake: { forceDestroy: bool("forceDestroyBuckets", false) },
    msk: {
      mode: mskMode,
      kafkaVersion: str(
        "mskKafkaVersion",
        "3.8.x",
        /^(3\.([6-9]|[1-9][0-9])|[4-9]\.[0-9]+)\.([0-9]+|x)$/,
        "an MSK Kafka version of 3.6.0 or later (MSK's topic API needs it), such as 3.8.x",
      ),
      brokerInstanceType: str(
        "mskBrokerInstanceType",
        "kafka.t3.small",
        /^kafka\.[a-z0-9]+\.[a-z0-9]+$/,
        "an MSK broker type such as kafka.t3.small",
      ),
      brokersPerAz: int("mskBrokersPerAz", 1, 1, 10),
      brokerVolumeGb: int("mskBrokerVolumeGb", 20, 1, 16384),
      topicPartitions: int("topicPartitions", 3, 1, 1000),
      topicReplicationFactor,
    },
    restProxy: {
      instanceCount: int("restProxyInstanceCount", 1, 1, 6),
      instanceType: str(
        "restProxyInstanceType",
        "t3.small",
        /^[a-z0-9]+\.[a-z0-9]+$/,
        "an EC2 instance type such as t3.small",
      ),
      confluentVersion: str(
        "confluentVersion",
        "7.9.1",
        /^[0-9]+\.[0-9]+\.[0-9]+$/,
        "a Confluent Platform version such as 7.9.1",
      ),
      confluentSha256: sha256("confluentSha256"),
      mskIamAuthVersion,
      mskIamAuthSha256:
        value("mskIamAuthSha256") === undefined && MSK_IAM_AUTH_SHA256[mskIamAuthVersion]
          ? MSK_IAM_AUTH_SHA256[mskIamAuthVersion]
          : sha256("mskIamAuthSha256"),
    },
    connect: {
      pluginUrl: str(
        "connectPluginUrl",
        "https://github.com/Aiven-Open/s3-connector-for-apache-kafka/releases/download/v2.15.0/s3-connector-for-apache-kafka-2.15.0.zip",
        /^https:\/\/\S+\.(zip|jar)$/,
        "an https URL of the connector's .zip or .jar",
      ),
      pluginSha256: sha256("connectPluginSha256"),
      kafkaConnectVersion: str(
        "kafkaConnectVersion",
        "3.7.x",
        /^[0-9]+\.[0-9]+\.([0-9]+|x)$/,
        "an MSK Connect version such as 3.7.x",
      ),
      mcuCount: Number(oneOf("connectMcuCount", "1", ["1", "2", "4", "8"])),
      workerCount: int("connectWorkerCount", 1, 1, 10),
    },
    streams: {
      mode: oneOf<StreamMode>("streamMode", "on-demand", ["on-demand", "provisioned"]),
      shardCount: int("streamShardCount", 1, 1, 500),
      retentionHours: int("streamRetentionHours", 24, 24, 8760),
    },
    api: {
      stageName: str("apiStageName", stack, /^[a-zA-Z0-9_-]{1,128}$/, "letters, digits, _ or -"),
      allowStreamAdmin: bool("allowStreamAdmin", false),
      throttleRateLimit: int("apiThrottleRateLimit", 100, 1, 10000),
      throttleBurstLimit: int("apiThrottleBurstLimit", 200, 1, 5000),
      manageAccountLogging: bool("manageApiGatewayAccount", false),
    },
    orchestration: {
      environmentClass: oneOf("mwaaEnvironmentClass", "mw1.small", [
        "mw1.micro",
        "mw1.small",
        "mw1.medium",
        "mw1.large",
        "mw1.xlarge",
        "mw1.2xlarge",
      ]),
      minWorkers,
      maxWorkers,
      webserverAccessMode: oneOf<WebserverAccessMode>("mwaaWebserverAccessMode", "PRIVATE_ONLY", [
        "PRIVATE_ONLY",
        "PUBLIC_ONLY",
      ]),
      dagSchedule: str("dagSchedule", "@daily"),
    },
    databricks: {
      host,
      auth,
      airflowToken: value("airflowDatabricksToken"),
      // Only the mount mode hands an instance profile to clusters, through the workspace's cross-account role.
      crossAccountRoleName: databricksStorage === "mount" ? required("databricksCrossAccountRoleName") : "",
      nodeTypeId: str(
        "databricksNodeType",
        "m5d.large",
        /^[a-z0-9]+\.[a-z0-9]+$/,
        "an AWS node type such as m5d.large",
      ),
      autoterminationMinutes: int("databricksAutoterminationMinutes", 20, 10, 10000),
      streamJobPaused: bool("streamJobPaused", false),
      storage: databricksStorage,
      catalog: str("databricksCatalog", "", /^[a-zA-Z0-9_]+$/, "a Unity Catalog catalog name") || undefined,
      warehouse: {
        size: oneOf<WarehouseSize>("sqlWarehouseSize", "2X-Small", WAREHOUSE_SIZES),
        // The API takes 0 (never stop) or at least 10 (Databricks SQL Warehouses API, create: auto_stop_mins).
        autoStopMinutes: int("sqlWarehouseAutoStopMinutes", 10, 10, 1440),
        serverless: bool("sqlWarehouseServerless", true),
      },
    },
    owner: str(
      "owner",
      "data-platform",
      /^[a-zA-Z0-9 _.:/=+@-]{1,256}$/,
      "an AWS tag value (1-256 characters)",
    ),
    monitoring: {
      alarmEmails: emails("alarmEmails"),
      thresholds: {
        api5xxErrors: int("alarmApi5xxErrors", 5, 1, 1_000_000),
        apiLatencyP99Ms: int("alarmApiLatencyP99Ms", 3000, 50, 29_000),
        iteratorAgeMs: int("alarmIteratorAgeMs", 600_000, 1000, 604_800_000),
        kinesisWriteThrottles: int("alarmKinesisWriteThrottles", 1, 1, 1_000_000),
        mskDiskUsedPercent: int("alarmMskDiskUsedPercent", 80, 1, 99),
        mskCpuUserPercent: int("alarmMskCpuUserPercent", 60, 1, 99),
        connectorErroredTasks: int("alarmConnectorErroredTasks", 1, 1, 1000),
        noNewObjectsHours: int("alarmNoNewObjectsHours", 2, 1, 24),
        unhealthyProxyTargets: int("alarmUnhealthyProxyTargets", 1, 1, 6),
        statusCheckFailedMinutes: int("alarmStatusCheckFailedMinutes", 2, 1, 60),
        dagRunFailures: int("alarmDagRunFailures", 1, 1, 100),
      },
      budget: {
        monthlyUsd: int("budgetMonthlyUsd", 1000, 1, 10_000_000),
        alertPercent: int("budgetAlertPercent", 80, 1, 1000),
      },
    },
    jobs: {
      failureEmails: emails("jobFailureEmails"),
      failureWebhookUrl: str("jobFailureWebhookUrl", "", /^https:\/\/\S+$/, "an https URL") || undefined,
      batchTimeoutMinutes: int("batchJobTimeoutMinutes", 120, 5, 2880),
      batchMaxRetries: int("batchJobMaxRetries", 2, 0, 10),
    },
    hardening: {
      logRetentionDays: Number(
        oneOf(
          "logRetentionDays",
          "30",
          LOG_RETENTION_DAYS.map((days) => String(days)),
        ),
      ),
      kmsKey: oneOf<KmsKeyMode>("kmsKey", "aws-managed", ["aws-managed", "customer"]),
      protectDataBucket: bool("protectDataBucket", false),
    },
  };
  if (problems.length > 0) throw new ConfigError(`stack "${stack}" config: ${problems.join("; ")}`);
  return config;
}
