// Databricks: the workspace provider, the jobs' storage (Unity Catalog volumes by default, a DBFS mount for
// legacy workspaces, see databricksStorage.ts), the jobs wheel, the batch job and the continuous stream job.
// Both jobs run the wheel's entry points on job clusters of dedicated (single-user) access mode.
import * as aws from "@pulumi/aws";
import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { Catalog, TableLocation } from "./catalog";
import { AirflowPrincipal, DatabricksAuth, DatabricksStorage, WarehouseSettings } from "./config";
import {
  mountStorage,
  storageLayout,
  StorageLayout,
  StoragePlan,
  unityCatalogStorage,
} from "./databricksStorage";
import { buildJobWheel, JobWheel, perTableOption } from "./jobPackage";
import {
  batchRunSettings,
  batchTaskRetries,
  failureNotifications,
  streamContinuousSettings,
} from "./jobSettings";
import { PerTable } from "./names";
import { unityCatalogNames } from "./physicalNames";

/** Console scripts of jobs/pyproject.toml the two tasks run. */
export const ENTRY_POINTS = { batch: "pinterest-batch", stream: "pinterest-stream" } as const;

export interface DatabricksWorkspaceArgs {
  prefix: string;
  region: string;
  accountId: pulumi.Input<string>;
  host: string;
  auth: DatabricksAuth<pulumi.Input<string>>;
  crossAccountRoleName: string;
  sparkVersion: string;
  nodeTypeId: string;
  autoterminationMinutes: number;
  streamJobPaused: boolean;
  /** Who hears of a failed run of either job: e-mail addresses and a webhook (a workspace notification destination). */
  jobFailure: { emails: string[]; webhookUrl: pulumi.Input<string> | undefined };
  batchTimeoutMinutes: number;
  batchMaxRetries: number;
  /** The identity of a separate Airflow token: it triggers the batch job, so it needs CAN_MANAGE_RUN on it. */
  airflowPrincipal: AirflowPrincipal | undefined;
  /** The stack's tags, set on the job clusters too: Databricks puts custom tags on their EC2 instances and volumes. */
  tags: Record<string, string>;
  storage: DatabricksStorage;
  /** An existing Unity Catalog catalog for the Delta tables. */
  catalog: string | undefined;
  /** The service principal (application id) both jobs run as; the deploying identity when not set. */
  jobsServicePrincipal: string | undefined;
  schemaNames: { batch: string; stream: string };
  mountName: string;
  /** The mount as the jobs' Spark URI (see names.ts mountUri). */
  mountUri: string;
  workspaceDir: string;
  topics: PerTable<string>;
  streams: PerTable<string>;
  dataBucket: aws.s3.Bucket;
  /** The bucket folder the S3 sink writes below. */
  topicsPrefix: string;
  streamArns: pulumi.Input<string>[];
  forceDestroy: boolean;
  /** The SQL warehouse of the declared tables and views (infra/catalog.ts). */
  warehouse: WarehouseSettings;
  /** Pulumi `protect` on the declared tables. */
  protectTables: boolean;
}

export interface JobCommandLines {
  batch: string[];
  stream: string[];
}

/**
 * The batch job's one job parameter: "true" in "Run now with different parameters" rebuilds every table from all
 * sink objects. The task's positional parameters read it through a dynamic value reference (job parameters are
 * pushed down only to keyword arguments): https://docs.databricks.com/aws/en/jobs/dynamic-value-references
 */
export const FULL_REFRESH_PARAMETER = { name: "full_refresh", default: "false" } as const;

/** Parameters of the two job tasks (the jobs' command lines, see jobs/src/pinterest_jobs). */
export function jobCommandLines(args: {
  region: string;
  topics: PerTable<string>;
  streams: PerTable<string>;
  layout: StorageLayout;
  /** The Unity Catalog service credential the Kinesis source authenticates with (unity-catalog mode). */
  serviceCredential: string | undefined;
}): JobCommandLines {
  return {
    batch: [
      "--input",
      args.layout.input,
      "--output",
      args.layout.batchOutput,
      "--checkpoint",
      args.layout.batchCheckpoint,
      "--topics",
      perTableOption(args.topics),
      `--full-refresh={{job.parameters.${FULL_REFRESH_PARAMETER.name}}}`,
    ],
    stream: [
      "--source",
      "kinesis",
      "--streams",
      perTableOption(args.streams),
      "--output",
      args.layout.streamOutput,
      "--checkpoint",
      args.layout.checkpoint,
      "--region",
      args.region,
      "--initial-position",
      "trim_horizon",
      ...(args.serviceCredential ? ["--service-credential", args.serviceCredential] : []),
    ],
  };
}

/** Spark settings of a single-node cluster (no workers; the driver runs the tasks). */
const SINGLE_NODE = {
  numWorkers: 0,
  sparkConf: { "spark.databricks.cluster.profile": "singleNode", "spark.master": "local[*]" },
  customTags: { ResourceClass: "SingleNode" },
};

/** The wheel's path on Databricks: a folder per build, so a changed package is a new library path. */
export function wheelPath(layout: StorageLayout, wheel: Pick<JobWheel, "digest" | "fileName">): string {
  return `${layout.wheelDir}/${wheel.digest}/${wheel.fileName}`;
}

export class DatabricksWorkspace extends pulumi.ComponentResource {
  /** The root the batch job reads `topics/` below: a volume path, or the mount. */
  readonly dataRoot: string;
  readonly batchJob: databricks.Job;
  readonly streamJob: databricks.Job;
  /** The declared tables, views and SQL warehouse; none in mount mode without a catalog (docs/deploying.md). */
  readonly catalog: Catalog | undefined;

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
    const comment = `Pinterest pipeline (${args.prefix})`;

    // Dedicated access mode, as the jobs' service principal when one is configured (it is granted what the jobs
    // use), else as the deploying identity, which owns the jobs and every object they touch.
    const runAsPrincipal = args.jobsServicePrincipal;
    const accessMode = {
      dataSecurityMode: "SINGLE_USER",
      singleUserName: runAsPrincipal ?? databricks.getCurrentUserOutput({}, inWorkspace).userName,
    };
    const runAs = runAsPrincipal !== undefined ? { runAs: { servicePrincipalName: runAsPrincipal } } : {};
    const clusterSpec = (instanceProfileArn: pulumi.Output<string> | undefined) => ({
      sparkVersion: args.sparkVersion,
      nodeTypeId: args.nodeTypeId,
      awsAttributes: {
        availability: "ON_DEMAND",
        firstOnDemand: 1,
        ...(instanceProfileArn ? { instanceProfileArn } : {}),
      },
      ...accessMode,
      ...SINGLE_NODE,
      customTags: { ...args.tags, ...SINGLE_NODE.customTags },
    });

    const wheel = buildJobWheel();
    const scripts = Object.keys(wheel.project.scripts);
    for (const script of Object.values(ENTRY_POINTS)) {
      if (!scripts.includes(script))
        throw new Error(`jobs/pyproject.toml [project.scripts] has no ${script}, which the jobs run`);
    }
    const wheelContent = wheel.content.toString("base64");

    let plan: StoragePlan;
    let ready: pulumi.Resource[];
    let instanceProfileArn: pulumi.Output<string> | undefined;
    let serviceCredential: string | undefined;
    let uploadWheel: (path: string) => pulumi.Resource;
    let tables: { location: TableLocation; schemas: pulumi.Resource[] } | undefined;
    if (args.storage === "unity-catalog") {
      const names = unityCatalogNames(args.prefix);
      const catalogName = args.catalog ?? names.catalog;
      plan = { kind: "unity-catalog", catalog: catalogName, names, schemas: args.schemaNames };
      const uc = unityCatalogStorage(
        name,
        {
          prefix: args.prefix,
          accountId: args.accountId,
          dataBucket: args.dataBucket,
          streamArns: args.streamArns,
          names,
          existingCatalog: args.catalog,
          schemas: args.schemaNames,
          topicsPrefix: args.topicsPrefix,
          forceDestroy: args.forceDestroy,
          comment,
          jobsPrincipal: args.jobsServicePrincipal,
        },
        parent,
        inWorkspace,
      );
      ready = uc.ready;
      tables = { location: { catalog: catalogName, schemas: args.schemaNames }, schemas: uc.tableSchemas };
      serviceCredential = names.serviceCredential;
      uploadWheel = (path) =>
        new databricks.File(
          `${name}-wheel`,
          { path, contentBase64: wheelContent },
          { ...inWorkspace, dependsOn: [uc.artifactsVolume] },
        );
    } else {
      plan = {
        kind: "mount",
        mountUri: args.mountUri,
        catalog: args.catalog,
        schemas: args.schemaNames,
        workspaceDir: args.workspaceDir,
      };
      const mount = mountStorage(
        name,
        {
          prefix: args.prefix,
          dataBucket: args.dataBucket,
          streamArns: args.streamArns,
          crossAccountRoleName: args.crossAccountRoleName,
          mountName: args.mountName,
          // A mount is made from a running cluster, which then serves the mount to the whole workspace.
          cluster: (profileArn) =>
            new databricks.Cluster(
              `${name}-cluster`,
              {
                clusterName: `${args.prefix}-mount`,
                autoterminationMinutes: args.autoterminationMinutes,
                ...clusterSpec(profileArn),
              },
              inWorkspace,
            ),
        },
        parent,
        inWorkspace,
      );
      instanceProfileArn = mount.instanceProfileArn;
      const schemas = args.catalog
        ? [args.schemaNames.batch, args.schemaNames.stream].map(
            (schema) =>
              new databricks.Schema(
                `${name}-schema-${schema}`,
                { catalogName: args.catalog as string, name: schema, comment },
                inWorkspace,
              ),
          )
        : [];
      ready = [mount.mount, ...schemas];
      // The wheel's folders belong to the stack: a WorkspaceFile's delete removes the file only
      // (terraform-provider-databricks workspace/resource_workspace_file.go: Delete with Recursive false), so
      // the stack's folder is declared, and destroyed recursively after the file.
      const wheelRoot = new databricks.Directory(
        `${name}-workspace-dir`,
        { path: args.workspaceDir, deleteRecursive: true },
        inWorkspace,
      );
      // Only a catalog's schemas get declared tables: without one the jobs write path tables under the mount.
      if (args.catalog) tables = { location: { catalog: args.catalog, schemas: args.schemaNames }, schemas };
      uploadWheel = (path) =>
        new databricks.WorkspaceFile(
          `${name}-wheel`,
          { path: path.replace(/^\/Workspace/, ""), contentBase64: wheelContent },
          { ...inWorkspace, dependsOn: [wheelRoot] },
        );
    }

    this.catalog =
      tables &&
      new Catalog(
        `${name}-tables`,
        {
          prefix: args.prefix,
          location: tables.location,
          schemas: tables.schemas,
          warehouse: args.warehouse,
          tags: args.tags,
          protectTables: args.protectTables,
        },
        { parent: this, providers: [provider] },
      );
    // The jobs start once their tables exist: the continuous stream job runs as soon as it is created.
    if (this.catalog) ready.push(this.catalog);

    const layout = storageLayout(plan);
    this.dataRoot = layout.input;
    const library = wheelPath(layout, wheel);
    const wheelFile = uploadWheel(library);
    const commandLines = jobCommandLines({
      region: args.region,
      topics: args.topics,
      streams: args.streams,
      layout,
      serviceCredential,
    });
    const wheelTask = (key: keyof typeof ENTRY_POINTS, parameters: string[]) => ({
      taskKey: key,
      newCluster: clusterSpec(instanceProfileArn),
      libraries: [{ whl: library }],
      pythonWheelTask: { packageName: wheel.project.name, entryPoint: ENTRY_POINTS[key], parameters },
    });
    const afterStorage = { ...inWorkspace, dependsOn: [...ready, wheelFile] };
    const webhook =
      args.jobFailure.webhookUrl !== undefined
        ? new databricks.NotificationDestination(
            `${name}-failure-webhook`,
            {
              displayName: `${args.prefix} job failures`,
              config: { genericWebhook: { url: args.jobFailure.webhookUrl } },
            },
            inWorkspace,
          )
        : undefined;
    const notifications = failureNotifications({
      emails: args.jobFailure.emails,
      webhookDestinationId: webhook?.id,
    });

    this.batchJob = new databricks.Job(
      `${name}-batch-job`,
      {
        name: `${args.prefix}-batch`,
        description:
          "Cleans the sink objects added since its last run, merges them into silver and recomputes gold (triggered by Airflow).",
        ...batchRunSettings(args.batchTimeoutMinutes),
        ...runAs,
        ...notifications,
        parameters: [FULL_REFRESH_PARAMETER],
        tasks: [{ ...wheelTask("batch", commandLines.batch), ...batchTaskRetries(args.batchMaxRetries) }],
      },
      afterStorage,
    );
    if (args.airflowPrincipal !== undefined) {
      // Run now needs CAN MANAGE RUN (or more) on the job (Databricks docs, "Jobs access control", the
      // abilities table); the run still runs as the job's owner. The owner keeps IS_OWNER.
      const principal = args.airflowPrincipal;
      new databricks.Permissions(
        `${name}-batch-job-airflow`,
        {
          jobId: this.batchJob.id,
          accessControls: [
            {
              ...(principal.kind === "user"
                ? { userName: principal.userName }
                : { servicePrincipalName: principal.applicationId }),
              permissionLevel: "CAN_MANAGE_RUN",
            },
          ],
        },
        inWorkspace,
      );
    }
    this.streamJob = new databricks.Job(
      `${name}-stream-job`,
      {
        name: `${args.prefix}-stream`,
        description: "Reads the three Kinesis streams continuously and writes the cleaned Delta tables.",
        continuous: streamContinuousSettings(args.streamJobPaused),
        ...runAs,
        ...notifications,
        tasks: [wheelTask("stream", commandLines.stream)],
      },
      afterStorage,
    );

    this.registerOutputs({
      dataRoot: this.dataRoot,
      batchJobId: this.batchJob.id,
      streamJobId: this.streamJob.id,
    });
  }
}
