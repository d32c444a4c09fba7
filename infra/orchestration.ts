// Orchestration: MWAA (Airflow 3) with its DAG bucket, its Python requirements as wheels in plugins.zip
// (infra/mwaaPlugins.ts), least-privilege execution role, the stack's rendered DAG, and the Databricks
// connection in Secrets Manager (from a Pulumi secret).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { WebserverAccessMode } from "./config";
import { renderDag } from "./dag";
import { mwaaExecutionPolicy, serviceTrustPolicy } from "./iam";
import {
  committedFile,
  constraintsFileName,
  constraintsObjectKey,
  MwaaPlugins,
  PINNED,
  PLUGINS_OBJECT_KEY,
  REQUIREMENTS_OBJECT_KEY,
} from "./mwaaPlugins";
import { AIRFLOW_DATABRICKS_CONN_ID, airflowConnectionsPrefix, dagFileName } from "./names";
import { secureBucket } from "./secureBucket";

export interface DatabricksConnection {
  host: string;
  /** A token, or an OAuth service principal (login = client id, password = secret). */
  auth:
    | { kind: "token"; token: pulumi.Input<string> }
    | { kind: "oauth"; clientId: string; clientSecret: pulumi.Input<string> };
}

export const SECRET_RECOVERY_WINDOW_DAYS = 7;

export interface OrchestrationArgs {
  /** NAT gateways and private routes: MWAA's private subnets need egress before the environment is created. */
  egressReady: pulumi.Resource[];
  prefix: string;
  region: string;
  accountId: pulumi.Input<string>;
  environmentName: string;
  airflowVersion: string;
  dagBucketName: pulumi.Input<string>;
  forceDestroy: boolean;
  environmentClass: string;
  minWorkers: number;
  maxWorkers: number;
  webserverAccessMode: WebserverAccessMode;
  /** Two private subnets in different availability zones (MWAA takes exactly two). */
  subnetIds: pulumi.Input<string>[];
  securityGroupId: pulumi.Input<string>;
  batchJobId: pulumi.Input<string>;
  dagSchedule: string;
  databricks: DatabricksConnection;
  /**
   * The stack's customer-managed key (config kmsKey: customer): the environment encrypts with it and the
   * execution role may use it. Absent: MWAA's AWS-owned key.
   */
  kmsKeyArn?: pulumi.Input<string>;
  /** The built plugins.zip (the provider's wheels) and the requirements.txt that installs from it offline. */
  plugins: MwaaPlugins;
}

/** Airflow connection in the JSON form the Secrets Manager backend reads. */
export function databricksConnectionSecret(
  host: string,
  auth: { kind: "token"; token: string } | { kind: "oauth"; clientId: string; clientSecret: string },
): string {
  if (auth.kind === "token") return JSON.stringify({ conn_type: "databricks", host, password: auth.token });
  return JSON.stringify({
    conn_type: "databricks",
    host,
    login: auth.clientId,
    password: auth.clientSecret,
    extra: { service_principal_oauth: true },
  });
}

/** Airflow settings of MWAA: connections come from this stack's prefix in Secrets Manager. */
export function mwaaAirflowOptions(prefix: string): Record<string, string> {
  return {
    "secrets.backend": "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend",
    "secrets.backend_kwargs": JSON.stringify({
      connections_prefix: airflowConnectionsPrefix(prefix),
      variables_prefix: null,
    }),
  };
}

/**
 * The log groups MWAA writes its five kinds of Airflow logs to (the execution role's logs grant is on
 * `airflow-<environment>-*`). Declared before the environment, which then uses them, so that the stack sets
 * their retention; MWAA would otherwise create them without expiry.
 */
export function mwaaLogGroupNames(environmentName: string): string[] {
  return ["DAGProcessing", "Scheduler", "Task", "WebServer", "Worker"].map(
    (logType) => `airflow-${environmentName}-${logType}`,
  );
}

export class Orchestration extends pulumi.ComponentResource {
  readonly dagBucket: aws.s3.Bucket;
  readonly environment: aws.mwaa.Environment;
  readonly webserverUrl: pulumi.Output<string>;

  constructor(name: string, args: OrchestrationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pinterest:pipeline:Orchestration", name, {}, opts);
    const parent = { parent: this };

    const dags = secureBucket(`${name}-dags`, args.dagBucketName, args.forceDestroy, this);
    this.dagBucket = dags.bucket;
    const afterBucket = { parent: this, dependsOn: dags.ready };
    // MWAA user guide, "Managing Python dependencies in requirements.txt": for a private web server, wheels in
    // plugins.zip (unpacked to /usr/local/airflow/plugins) and a requirements.txt with --no-index --find-links.
    // The constraints file goes in the DAG folder and is named as /usr/local/airflow/dags/<file> (user guide,
    // "Apache Airflow provider packages installed on Amazon MWAA environments", Constraints file).
    const constraints = new aws.s3.BucketObjectv2(
      `${name}-constraints`,
      {
        bucket: this.dagBucket.id,
        key: constraintsObjectKey(PINNED),
        content: committedFile(constraintsFileName(PINNED)),
        contentType: "text/plain",
      },
      afterBucket,
    );
    const plugins = new aws.s3.BucketObjectv2(
      `${name}-plugins`,
      {
        bucket: this.dagBucket.id,
        key: PLUGINS_OBJECT_KEY,
        source: new pulumi.asset.FileAsset(args.plugins.zipFile),
        contentType: "application/zip",
      },
      afterBucket,
    );
    const requirements = new aws.s3.BucketObjectv2(
      `${name}-requirements`,
      {
        bucket: this.dagBucket.id,
        key: REQUIREMENTS_OBJECT_KEY,
        content: args.plugins.requirements,
        contentType: "text/plain",
      },
      afterBucket,
    );
    const dagFile = new aws.s3.BucketObjectv2(
      `${name}-dag`,
      {
        bucket: this.dagBucket.id,
        key: `dags/${dagFileName(args.prefix)}`,
        content: pulumi
          .output(args.batchJobId)
          .apply((jobId) => renderDag({ prefix: args.prefix, jobId, schedule: args.dagSchedule })),
        contentType: "text/x-python",
      },
      afterBucket,
    );

    const connection = new aws.secretsmanager.Secret(
      `${name}-databricks-connection`,
      {
        name: `${airflowConnectionsPrefix(args.prefix)}/${AIRFLOW_DATABRICKS_CONN_ID}`,
        description:
          "Airflow connection to the Databricks workspace (set by Pulumi from a secret config value)",
        // A deleted secret stays recoverable for a week. A stack whose buckets `pulumi destroy` may delete
        // (forceDestroyBuckets, dev) deletes it at once instead: Secrets Manager refuses to create a secret
        // under a name that is scheduled for deletion, so a destroy and up within the week would fail.
        recoveryWindowInDays: args.forceDestroy ? 0 : SECRET_RECOVERY_WINDOW_DAYS,
      },
      parent,
    );
    const auth = args.databricks.auth;
    const secretString =
      auth.kind === "token"
        ? pulumi.secret(
            pulumi
              .output(auth.token)
              .apply((token) => databricksConnectionSecret(args.databricks.host, { kind: "token", token })),
          )
        : pulumi.secret(
            pulumi.output(auth.clientSecret).apply((clientSecret) =>
              databricksConnectionSecret(args.databricks.host, {
                kind: "oauth",
                clientId: auth.clientId,
                clientSecret,
              }),
            ),
          );
    const connectionValue = new aws.secretsmanager.SecretVersion(
      `${name}-databricks-connection`,
      { secretId: connection.id, secretString },
      parent,
    );

    const role = new aws.iam.Role(
      `${name}-execution`,
      {
        assumeRolePolicy: pulumi.output(args.accountId).apply((accountId) =>
          JSON.stringify(
            // The MWAA guide names no aws:SourceArn for the execution role; the account is the documented guard.
            serviceTrustPolicy(["airflow.amazonaws.com", "airflow-env.amazonaws.com"], {
              account: accountId,
            }),
          ),
        ),
      },
      parent,
    );
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-execution`,
      {
        role: role.id,
        policy: pulumi
          .all([args.accountId, this.dagBucket.arn, args.kmsKeyArn])
          .apply(([accountId, dagBucketArn, kmsKeyArn]) =>
            JSON.stringify(
              mwaaExecutionPolicy({
                region: args.region,
                accountId,
                environmentName: args.environmentName,
                dagBucketArn,
                connectionsSecretPrefixArn: `arn:aws:secretsmanager:${args.region}:${accountId}:secret:${airflowConnectionsPrefix(args.prefix)}/`,
                kmsKeyArn,
              }),
            ),
          ),
      },
      parent,
    );

    // Retention (and key) from the stack's hardening transformation (infra/hardeningTransforms.ts).
    const airflowLogs = mwaaLogGroupNames(args.environmentName).map(
      (logGroupName) =>
        new aws.cloudwatch.LogGroup(
          `${name}-${logGroupName.split("-").pop()?.toLowerCase()}-logs`,
          { name: logGroupName },
          parent,
        ),
    );
    const logging = { enabled: true, logLevel: "INFO" };
    this.environment = new aws.mwaa.Environment(
      `${name}-mwaa`,
      {
        name: args.environmentName,
        airflowVersion: args.airflowVersion,
        environmentClass: args.environmentClass,
        minWorkers: args.minWorkers,
        maxWorkers: args.maxWorkers,
        sourceBucketArn: this.dagBucket.arn,
        dagS3Path: "dags",
        pluginsS3Path: plugins.key,
        pluginsS3ObjectVersion: plugins.versionId,
        requirementsS3Path: requirements.key,
        requirementsS3ObjectVersion: requirements.versionId,
        executionRoleArn: role.arn,
        kmsKey: args.kmsKeyArn,
        webserverAccessMode: args.webserverAccessMode,
        networkConfiguration: { subnetIds: args.subnetIds, securityGroupIds: [args.securityGroupId] },
        airflowConfigurationOptions: mwaaAirflowOptions(args.prefix),
        loggingConfiguration: {
          dagProcessingLogs: logging,
          schedulerLogs: logging,
          taskLogs: logging,
          webserverLogs: { enabled: true, logLevel: "WARNING" },
          workerLogs: logging,
        },
      },
      {
        parent: this,
        dependsOn: [
          rolePolicy,
          connectionValue,
          dagFile,
          constraints,
          ...dags.ready,
          ...airflowLogs,
          ...args.egressReady,
        ],
      },
    );
    this.webserverUrl = pulumi.interpolate`https://${this.environment.webserverUrl}`;
    this.registerOutputs({ dagBucket: this.dagBucket.bucket, webserverUrl: this.webserverUrl });
  }
}
