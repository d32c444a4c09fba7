// Databricks: the data access role and instance profile, a single-node cluster, the S3 mount of the data
// bucket, the job package as workspace files, the batch job and the continuous stream job.
import * as aws from "@pulumi/aws";
import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { DatabricksAuth } from "./config";
import { databricksDataAccessPolicy, passRolePolicy, serviceTrustPolicy } from "./iam";
import { entryScript, JOB_PACKAGE_NAME, jobPackageFiles, perTableOption } from "./jobPackage";
import { PerTable } from "./names";

export interface DatabricksWorkspaceArgs {
  prefix: string;
  region: string;
  host: string;
  auth: DatabricksAuth<pulumi.Input<string>>;
  crossAccountRoleName: string;
  sparkVersion: string;
  nodeTypeId: string;
  autoterminationMinutes: number;
  streamJobPaused: boolean;
  /** Unity Catalog catalog for the Delta tables; without it the tables live under the mount. */
  catalog: string | undefined;
  schemaNames: { batch: string; stream: string };
  mountName: string;
  /** The mount as the jobs' Spark URI (see names.ts mountUri). */
  mountUri: string;
  workspaceDir: string;
  topics: PerTable<string>;
  streams: PerTable<string>;
  dataBucket: aws.s3.Bucket;
  streamArns: pulumi.Input<string>[];
}

export interface JobCommandLines {
  batch: string[];
  stream: string[];
}

export interface JobOutputs {
  batch: string;
  stream: string;
  checkpoint: string;
}

/** Where the jobs write: `catalog.schema` names with Unity Catalog, directories under the mount without. */
export function jobOutputs(
  mountUri: string,
  catalog: string | undefined,
  schemas: { batch: string; stream: string },
): JobOutputs {
  return {
    batch: catalog ? `${catalog}.${schemas.batch}` : `${mountUri}/delta/batch`,
    stream: catalog ? `${catalog}.${schemas.stream}` : `${mountUri}/delta/stream`,
    checkpoint: `${mountUri}/checkpoints/stream`,
  };
}

/** Parameters of the two job tasks (the jobs' command lines, see jobs/src/pinterest_jobs). */
export function jobCommandLines(args: {
  prefix: string;
  region: string;
  mountUri: string;
  topics: PerTable<string>;
  streams: PerTable<string>;
  outputs: JobOutputs;
}): JobCommandLines {
  return {
    batch: [
      "--input",
      args.mountUri,
      "--output",
      args.outputs.batch,
      "--topics",
      perTableOption(args.topics),
    ],
    stream: [
      "--source",
      "kinesis",
      "--streams",
      perTableOption(args.streams),
      "--output",
      args.outputs.stream,
      "--checkpoint",
      args.outputs.checkpoint,
      "--region",
      args.region,
      "--initial-position",
      "trim_horizon",
    ],
  };
}

/** Spark settings of a single-node cluster (no workers; the driver runs the tasks). */
const SINGLE_NODE = {
  numWorkers: 0,
  sparkConf: { "spark.databricks.cluster.profile": "singleNode", "spark.master": "local[*]" },
  customTags: { ResourceClass: "SingleNode" },
};

export class DatabricksWorkspace extends pulumi.ComponentResource {
  readonly mountPoint: pulumi.Output<string>;
  readonly batchJob: databricks.Job;
  readonly streamJob: databricks.Job;
  readonly clusterId: pulumi.Output<string>;

  constructor(name: string, args: DatabricksWorkspaceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pinterest:pipeline:DatabricksWorkspace", name, {}, opts);
    const parent = { parent: this };
    const auth = args.auth;
    const provider = new databricks.Provider(
      `${name}-provider`,
      auth.kind === "token"
        ? { host: args.host, token: auth.token }
        : { host: args.host, clientId: auth.clientId, clientSecret: auth.clientSecret },
      parent,
    );
    const inWorkspace = { parent: this, provider };

    // ---- AWS side: what clusters may touch, and the workspace's right to hand it to them ----
    const dataRole = new aws.iam.Role(
      `${name}-data-access`,
      { assumeRolePolicy: JSON.stringify(serviceTrustPolicy(["ec2.amazonaws.com"])) },
      parent,
    );
    new aws.iam.RolePolicy(
      `${name}-data-access`,
      {
        role: dataRole.id,
        policy: pulumi
          .all([args.dataBucket.arn, pulumi.all(args.streamArns)])
          .apply(([bucketArn, streamArns]) =>
            JSON.stringify(databricksDataAccessPolicy(bucketArn, streamArns)),
          ),
      },
      parent,
    );
    const profile = new aws.iam.InstanceProfile(`${name}-data-access`, { role: dataRole.name }, parent);
    const passRole = new aws.iam.RolePolicy(
      `${name}-pass-role`,
      {
        role: args.crossAccountRoleName,
        policy: dataRole.arn.apply((arn) => JSON.stringify(passRolePolicy(arn))),
      },
      parent,
    );
    const workspaceProfile = new databricks.InstanceProfile(
      `${name}-instance-profile`,
      { instanceProfileArn: profile.arn },
      { ...inWorkspace, dependsOn: [passRole] },
    );
    // Unity Catalog needs a cluster of one identity; the deploying identity owns and runs the jobs.
    const accessMode = args.catalog
      ? {
          dataSecurityMode: "SINGLE_USER",
          singleUserName: databricks.getCurrentUserOutput({}, inWorkspace).userName,
        }
      : {};
    const awsAttributes = {
      instanceProfileArn: workspaceProfile.instanceProfileArn,
      availability: "ON_DEMAND",
      firstOnDemand: 1,
    };

    // ---- compute and storage ----
    const cluster = new databricks.Cluster(
      `${name}-cluster`,
      {
        clusterName: `${args.prefix}-pipeline`,
        sparkVersion: args.sparkVersion,
        nodeTypeId: args.nodeTypeId,
        autoterminationMinutes: args.autoterminationMinutes,
        awsAttributes,
        ...accessMode,
        ...SINGLE_NODE,
      },
      inWorkspace,
    );
    this.clusterId = cluster.id;
    const mount = new databricks.Mount(
      `${name}-mount`,
      {
        name: args.mountName,
        clusterId: cluster.id,
        s3: { bucketName: args.dataBucket.bucket, instanceProfile: workspaceProfile.instanceProfileArn },
      },
      inWorkspace,
    );
    this.mountPoint = pulumi.interpolate`/mnt/${mount.name}`;

    const schemas = args.catalog
      ? [args.schemaNames.batch, args.schemaNames.stream].map(
          (schema) =>
            new databricks.Schema(
              `${name}-schema-${schema}`,
              {
                catalogName: args.catalog as string,
                name: schema,
                comment: `Delta tables of the Pinterest pipeline (${args.prefix})`,
              },
              inWorkspace,
            ),
        )
      : [];

    // ---- the job package and its entry files ----
    const packageDir = `${args.workspaceDir}/src/${JOB_PACKAGE_NAME}`;
    const packageFiles = jobPackageFiles().map(
      (file) =>
        new databricks.WorkspaceFile(
          `${name}-package-${file.name.replace(/\.py$/, "").replace(/_/g, "-")}`,
          { path: `${packageDir}/${file.name}`, contentBase64: file.contentBase64 },
          inWorkspace,
        ),
    );
    // Workspace files are reachable from the driver below /Workspace.
    const packageParent = `/Workspace${args.workspaceDir}/src`;
    const entry = (kind: "batch" | "stream") =>
      new databricks.WorkspaceFile(
        `${name}-entry-${kind}`,
        {
          path: `${args.workspaceDir}/run_${kind}.py`,
          contentBase64: Buffer.from(entryScript(packageParent, `${JOB_PACKAGE_NAME}.${kind}`)).toString(
            "base64",
          ),
        },
        { ...inWorkspace, dependsOn: packageFiles },
      );
    const batchEntry = entry("batch");
    const streamEntry = entry("stream");

    const commandLines = jobCommandLines({
      prefix: args.prefix,
      region: args.region,
      mountUri: args.mountUri,
      topics: args.topics,
      streams: args.streams,
      outputs: jobOutputs(args.mountUri, args.catalog, args.schemaNames),
    });
    this.batchJob = new databricks.Job(
      `${name}-batch-job`,
      {
        name: `${args.prefix}-batch`,
        description:
          "Cleans the three topics from the mount and computes the gold tables (triggered by Airflow).",
        maxConcurrentRuns: 1,
        tasks: [
          {
            taskKey: "batch",
            existingClusterId: cluster.id,
            sparkPythonTask: {
              pythonFile: batchEntry.path,
              source: "WORKSPACE",
              parameters: commandLines.batch,
            },
          },
        ],
      },
      { ...inWorkspace, dependsOn: [mount, ...schemas] },
    );
    this.streamJob = new databricks.Job(
      `${name}-stream-job`,
      {
        name: `${args.prefix}-stream`,
        description: "Reads the three Kinesis streams continuously and writes the cleaned Delta tables.",
        continuous: { pauseStatus: args.streamJobPaused ? "PAUSED" : "UNPAUSED" },
        tasks: [
          {
            taskKey: "stream",
            newCluster: {
              sparkVersion: args.sparkVersion,
              nodeTypeId: args.nodeTypeId,
              awsAttributes,
              ...accessMode,
              ...SINGLE_NODE,
            },
            sparkPythonTask: {
              pythonFile: streamEntry.path,
              source: "WORKSPACE",
              parameters: commandLines.stream,
            },
          },
        ],
      },
      { ...inWorkspace, dependsOn: [mount, ...schemas] },
    );

    this.registerOutputs({
      mountPoint: this.mountPoint,
      batchJobId: this.batchJob.id,
      streamJobId: this.streamJob.id,
      clusterId: this.clusterId,
    });
  }
}
