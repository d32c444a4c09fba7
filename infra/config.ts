// The stack's config, read by one generic reader from the rows of infra/configKeys.ts (one row per key), then
// combined where one value depends on others (the Databricks credentials, the cross-key checks).
import { KEYS, type KeyRow } from "./configKeys";
import { PROJECT } from "./names";
import { MSK_IAM_AUTH_SHA256 } from "./restProxyUserData";

export type {
  ApiAuthorization,
  ApiQuotaPeriod,
  DatabricksStorage,
  StreamMode,
  WebserverAccessMode,
} from "./configKeys";
export { WAREHOUSE_SIZES } from "./configKeys";

const SHA256 = /^[0-9a-f]{64}$/;

export type ConfigKey = keyof typeof KEYS;
/** The rows, for the tests that hold Pulumi.yaml and docs/deploying.md to them. */
export const CONFIG_ROWS: Record<ConfigKey, KeyRow> = KEYS;
export const CONFIG_KEYS = Object.keys(KEYS) as ConfigKey[];
export const SECRET_KEYS = CONFIG_KEYS.filter((key) => CONFIG_ROWS[key].secret === true);
export const OPTIONAL_KEYS = CONFIG_KEYS.filter((key) => CONFIG_ROWS[key].optional === true);

// The parsed value of a row: its allowed values, a list of addresses, or its type; undefined when optional and unset.
type ValueOf<R> =
  | (R extends { format: "emails" }
      ? string[]
      : R extends { allowed: readonly (infer A)[] }
        ? A
        : R extends { type: "integer" }
          ? number
          : R extends { type: "boolean" }
            ? boolean
            : string)
  | (R extends { optional: true; format?: "sha256" } ? undefined : never);
type FieldOf<K extends ConfigKey, S extends string> = (typeof KEYS)[K] extends { at: `${S}.${infer F}` }
  ? F extends `${string}.${string}`
    ? never
    : F
  : never;
/** The fields of one part of StackConfig, from the rows whose `at` lands in it. */
type Section<S extends string> = { [K in ConfigKey as FieldOf<K, S>]: ValueOf<(typeof KEYS)[K]> };

/** The SQL warehouse that runs the tables's DDL and serves the views. */
export type WarehouseSettings = Section<"databricks.warehouse">;

/** Alarm thresholds (docs/operations.md has the table of alarms). */
export type AlarmThresholds = Section<"monitoring.thresholds">;

export type DatabricksAuth<Secret> =
  { kind: "token"; token: Secret } | { kind: "oauth"; clientId: string; clientSecret: Secret };

export interface StackConfig<Secret = string> {
  stack: string;
  prefix: string;
  region: string;
  network: Section<"network">;
  dataLake: Section<"dataLake">;
  msk: Section<"msk">;
  restProxy: Section<"restProxy"> & { mskIamAuthSha256: string };
  connect: Section<"connect">;
  streams: Section<"streams">;
  api: Section<"api"> & {
    stageName: string;
    /**
     * The stage's access and execution logs, which need that account role: on when this stack manages it, or
     * when the user says another stack (or an admin) set it (apiLoggingRoleExists).
     */
    logging: boolean;
  };
  orchestration: Section<"orchestration">;
  databricks: Section<"databricks"> & {
    warehouse: WarehouseSettings;
    auth: DatabricksAuth<Secret>;
    /** Token of the Airflow connection; the provider's token (or OAuth client) when not set. */
    airflowToken: Secret | undefined;
    /** Whom airflowToken authenticates (a user name or a service principal's application id), granted CAN_MANAGE_RUN on the batch job. */
    airflowPrincipal: AirflowPrincipal | undefined;
    crossAccountRoleName: string;
  };
  /** The `owner` default tag of every AWS resource (with `stack` and `prefix`). */
  owner: string;
  monitoring: Section<"monitoring"> & { thresholds: AlarmThresholds; budget: Section<"monitoring.budget"> };
  jobs: Section<"jobs"> & { failureWebhookUrl: Secret | undefined };
  hardening: Section<"hardening">;
}

/** A workspace identity of a job permission: a user (by e-mail) or a service principal (by application id). */
export type AirflowPrincipal =
  { kind: "user"; userName: string } | { kind: "servicePrincipal"; applicationId: string };

export class ConfigError extends Error {}

/** RF - 1, at least 1 (MSK's best practices for version upgrades: RF 3 with min ISR 2 in a 3-AZ cluster). */
export const minInsyncReplicas = (replicationFactor: number): number => Math.max(1, replicationFactor - 1);

/**
 * What the stack does quietly with this config, said at every `pulumi up` (pulumi.log.warn): nobody hears of an
 * alarm or a failed job without recipients, and the API keeps no logs without the account's logging role.
 */
export function configWarnings(config: StackConfig<unknown>): string[] {
  const warnings: string[] = [];
  if (config.monitoring.alarmEmails.length === 0) {
    warnings.push(
      `no alarmEmails: the alarms and the budget notify the topic ${config.prefix}-alarms, which nobody receives; run \`${configSetCommand("alarmEmails")}\` (or subscribe something to the topic)`,
    );
  }
  if (config.jobs.failureEmails.length === 0 && config.jobs.failureWebhookUrl === undefined) {
    warnings.push(
      `no jobFailureEmails or jobFailureWebhookUrl: a failed Databricks job run tells nobody; run \`${configSetCommand("jobFailureEmails")}\``,
    );
  }
  if (!config.api.logging) {
    warnings.push(
      `the API stage writes no access or execution logs (API Gateway's account logging role is neither managed here nor declared to exist): run \`${configSetCommand("manageApiGatewayAccount")}\` in one stack of the account and region, or \`${configSetCommand("apiLoggingRoleExists")}\` where it is set`,
    );
  }
  return warnings;
}

/** The command that sets one key, for error messages and the README. */
export function configSetCommand(key: ConfigKey | "aws:region", example?: string): string {
  if (key === "aws:region") return `pulumi config set aws:region ${example ?? "us-east-1"}`;
  const row = CONFIG_ROWS[key];
  return `pulumi config set ${row.secret ? "--secret " : ""}${key} ${example ?? row.example ?? String(row.default)}`;
}

type Value = string | number | boolean | string[] | undefined;

/** The messages of one parse: every problem is collected, so that one run names them all. */
class Problems {
  readonly lines: string[] = [];
  add(line: string): void {
    this.lines.push(line);
  }
  missing(key: ConfigKey | "aws:region", why = "is required"): void {
    this.add(
      `config "${key === "aws:region" ? key : `${PROJECT}:${key}`}" ${why}: run \`${configSetCommand(key)}\``,
    );
  }
  invalid(key: ConfigKey, got: string, expected: string): void {
    this.add(
      `config "${PROJECT}:${key}" is "${got}" but must be ${expected}: run \`${configSetCommand(key)}\``,
    );
  }
  /** A required checksum: no default can be trusted, so the hint says how to compute it. */
  missingSha256(key: ConfigKey): void {
    this.add(
      `config "${PROJECT}:${key}" is required (the SHA-256 of the file, which the deploy verifies): compute it with \`curl -fsSL <its URL> | sha256sum\` and run \`pulumi config set ${key} <sha256>\``,
    );
  }
}

/** One key's value by its row: the default when unset, the default again (and a problem) when invalid. */
function readKey(key: ConfigKey, text: string | undefined, problems: Problems): Value {
  const row = CONFIG_ROWS[key];
  if (text === undefined) {
    if (row.default !== undefined) return row.default;
    if (row.format === "emails") return [];
    if (row.optional) return undefined;
    if (row.format === "sha256") problems.missingSha256(key);
    else problems.missing(key);
    return "";
  }
  const fail = (expected: string): Value => {
    problems.invalid(key, text, expected);
    return row.default ?? text;
  };
  if (row.allowed && !row.allowed.map(String).includes(text)) return fail(`one of ${row.allowed.join(", ")}`);
  if (row.type === "boolean")
    return text === "true" || text === "false" ? text === "true" : fail("true or false");
  if (row.type === "integer") {
    const parsed = /^-?[0-9]+$/.test(text) ? Number(text) : NaN;
    const { min = -Infinity, max = Infinity } = row;
    if (!(parsed >= min && parsed <= max)) return fail(`an integer from ${row.min} to ${row.max}`);
    return row.multipleOf && parsed % row.multipleOf !== 0 ? fail(`a multiple of ${row.multipleOf}`) : parsed;
  }
  if (row.format === "emails") {
    const list = text.split(",").map((address) => address.trim());
    const bad = list.some((address) => !/^[^@\s,]+@[^@\s,]+\.[^@\s,]+$/.test(address));
    return bad ? (problems.invalid(key, text, "comma-separated e-mail addresses"), list) : list;
  }
  if (row.format === "sha256" && !SHA256.test(text))
    problems.invalid(key, text, "64 lowercase hexadecimal digits (a SHA-256)");
  if (row.pattern && !row.pattern.test(text))
    problems.invalid(key, text, row.expected ?? `of the form ${row.pattern}`);
  if (row.check) {
    try {
      row.check(text);
    } catch (error) {
      problems.add(
        `config "${PROJECT}:${key}": ${(error as Error).message}: run \`${configSetCommand(key)}\``,
      );
    }
  }
  return text;
}

/** Puts `value` at the dotted path `at` of `target`, making the parts on the way. */
function place(target: Record<string, unknown>, at: string, value: Value): void {
  const parts = at.split(".");
  const last = parts.pop() as string;
  let node = target;
  for (const part of parts) node = (node[part] ??= {}) as Record<string, unknown>;
  node[last] = value;
}

/** Reads the raw `namespace:key` map of a stack (as `pulumi.runtime.allConfig()` returns it) into a typed config. */
export function parseConfig(raw: Record<string, string>, stack: string): StackConfig {
  const problems = new Problems();
  const text = (key: string): string | undefined => {
    const found = raw[key]?.trim();
    return found === "" ? undefined : found;
  };
  const values = Object.fromEntries(
    CONFIG_KEYS.map((key) => [key, readKey(key, text(`${PROJECT}:${key}`), problems)]),
  ) as { [K in ConfigKey]: ValueOf<(typeof KEYS)[K]> };
  const config: Record<string, unknown> = { stack, region: text("aws:region") ?? "" };
  for (const key of CONFIG_KEYS) {
    const at = CONFIG_ROWS[key].at;
    if (at !== undefined) place(config, at, values[key]);
  }
  if (config.region === "") problems.missing("aws:region");
  const parsed = config as unknown as StackConfig;
  checkAcrossKeys(parsed, problems);

  parsed.api.stageName = values.apiStageName ?? stack;
  const builtInSha256 = MSK_IAM_AUTH_SHA256[values.mskIamAuthVersion];
  parsed.restProxy.mskIamAuthSha256 = values.mskIamAuthSha256 ?? builtInSha256 ?? "";
  if (values.mskIamAuthSha256 === undefined && builtInSha256 === undefined)
    problems.missingSha256("mskIamAuthSha256");
  parsed.databricks.auth = databricksAuth(values, problems);
  parsed.api.logging = values.manageApiGatewayAccount || values.apiLoggingRoleExists;
  if (values.manageApiGatewayAccount && values.apiLoggingRoleExists) {
    problems.add(
      `config "${PROJECT}:apiLoggingRoleExists" and "${PROJECT}:manageApiGatewayAccount" are both true: this stack either sets API Gateway's account role or relies on one set elsewhere; run \`pulumi config rm apiLoggingRoleExists\``,
    );
  }
  parsed.databricks.airflowToken = values.airflowDatabricksToken;
  parsed.databricks.airflowPrincipal = airflowPrincipal(values, problems);
  // Only the mount mode hands an instance profile to clusters, through the workspace's cross-account role.
  parsed.databricks.crossAccountRoleName = "";
  if (values.databricksStorage === "mount") {
    parsed.databricks.crossAccountRoleName = values.databricksCrossAccountRoleName ?? "";
    if (values.databricksCrossAccountRoleName === undefined)
      problems.missing("databricksCrossAccountRoleName");
  }
  parsed.jobs.failureWebhookUrl = values.jobFailureWebhookUrl;

  if (problems.lines.length > 0)
    throw new ConfigError(`stack "${stack}" config: ${problems.lines.join("; ")}`);
  return parsed;
}

/** The checks that read two keys at once. */
function checkAcrossKeys(config: StackConfig, problems: Problems): void {
  // The topics are created through MSK's topic API (aws.msk.Topic), which serves provisioned clusters on
  // Kafka 3.6.0 or later only (MSK developer guide, "Topic Operations", requirements).
  if (config.msk.mode === "serverless") {
    problems.add(
      `config "${PROJECT}:mskMode" is "serverless", but the program creates the topics with MSK's topic API, which MSK Serverless does not serve: run \`${configSetCommand("mskMode", "provisioned")}\``,
    );
  }
  const { azCount } = config.network;
  if (
    config.msk.mode === "provisioned" &&
    config.msk.topicReplicationFactor > azCount * config.msk.brokersPerAz
  ) {
    problems.add(
      `config "${PROJECT}:topicReplicationFactor" (${config.msk.topicReplicationFactor}) exceeds the number of brokers: run \`${configSetCommand("topicReplicationFactor", String(azCount))}\``,
    );
  }
  if (config.databricks.jobsServicePrincipal !== undefined && config.databricks.storage === "mount") {
    problems.add(
      `config "${PROJECT}:databricksJobsServicePrincipal" needs databricksStorage unity-catalog (the stack grants the principal Unity Catalog privileges): run \`pulumi config rm databricksJobsServicePrincipal\``,
    );
  }
  const { minWorkers, maxWorkers } = config.orchestration;
  if (maxWorkers < minWorkers) {
    problems.add(
      `config "${PROJECT}:mwaaMaxWorkers" (${maxWorkers}) is below mwaaMinWorkers (${minWorkers}): run \`${configSetCommand("mwaaMaxWorkers", String(minWorkers))}\``,
    );
  }
}

/** Whom the Airflow token authenticates: required with that token, and only with it. */
function airflowPrincipal(
  values: { airflowDatabricksToken?: string; airflowDatabricksPrincipal?: string },
  problems: Problems,
): AirflowPrincipal | undefined {
  const { airflowDatabricksToken: token, airflowDatabricksPrincipal: name } = values;
  if (token !== undefined && name === undefined) {
    problems.add(
      `config "${PROJECT}:airflowDatabricksPrincipal" is required with airflowDatabricksToken (the identity of that token gets CAN_MANAGE_RUN on the batch job): run \`${configSetCommand("airflowDatabricksPrincipal")}\``,
    );
  } else if (name !== undefined) {
    if (token === undefined) {
      problems.add(
        `config "${PROJECT}:airflowDatabricksPrincipal" is set without airflowDatabricksToken (Airflow then uses the deploying identity, which owns the job): run \`pulumi config rm airflowDatabricksPrincipal\``,
      );
    } else if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(name)) {
      return { kind: "servicePrincipal", applicationId: name };
    } else if (/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(name)) {
      return { kind: "user", userName: name };
    } else {
      problems.invalid(
        "airflowDatabricksPrincipal",
        name,
        "a workspace user's e-mail or a service principal's application id (a UUID)",
      );
    }
  }
  return undefined;
}

/** A personal access token, or an OAuth service principal: one of the two, and the whole of it. */
function databricksAuth(
  values: { databricksToken?: string; databricksClientId?: string; databricksClientSecret?: string },
  problems: Problems,
): DatabricksAuth<string> {
  const {
    databricksToken: token,
    databricksClientId: clientId,
    databricksClientSecret: clientSecret,
  } = values;
  if (token !== undefined && (clientId !== undefined || clientSecret !== undefined)) {
    problems.add(
      `config "${PROJECT}:databricksToken" and "${PROJECT}:databricksClientId"/"databricksClientSecret" are both set: keep one, e.g. \`pulumi config rm databricksToken\``,
    );
  } else if (clientId !== undefined || clientSecret !== undefined) {
    if (clientId === undefined)
      problems.missing("databricksClientId", "is required with databricksClientSecret");
    if (clientSecret === undefined)
      problems.missing("databricksClientSecret", "is required with databricksClientId");
    return { kind: "oauth", clientId: clientId ?? "", clientSecret: clientSecret ?? "" };
  } else if (token === undefined) {
    problems.add(
      `config "${PROJECT}:databricksToken" is required (or databricksClientId with databricksClientSecret): run \`${configSetCommand("databricksToken")}\``,
    );
  }
  return { kind: "token", token: token ?? "" };
}
