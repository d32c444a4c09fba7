// Where the Databricks jobs read and write, in the two storage modes of the stack config:
//   unity-catalog (default): a storage credential and an external location on the data bucket, external
//     volumes over the sink's topics/, the checkpoints and the job wheel, the Delta tables in a catalog, and a
//     service credential for Kinesis;
//   mount (legacy workspaces): an instance profile and a DBFS mount of the bucket, on dedicated access mode.
import * as aws from "@pulumi/aws";
import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import {
  databricksDataAccessPolicy,
  passRolePolicy,
  serviceTrustPolicy,
  unityCatalogKinesisPolicy,
  unityCatalogStoragePolicy,
  unityCatalogTrustPolicy,
} from "./iam";
import { UnityCatalogNames, unityCatalogKinesisRoleName, unityCatalogStorageRoleName } from "./physicalNames";

/** The paths and tables the jobs get as parameters, and where the wheel goes. */
export interface StorageLayout {
  /** Root folder holding the sink's `topics/`. */
  input: string;
  /** The stream job's checkpoint. */
  checkpoint: string;
  /** The batch job's checkpoint: which sink objects it has cleaned (docs/jobs.md, incremental runs). */
  batchCheckpoint: string;
  batchOutput: string;
  streamOutput: string;
  /** Folder of the job wheel (a volume, or workspace files). */
  wheelDir: string;
}

export type StoragePlan =
  | {
      kind: "unity-catalog";
      catalog: string;
      names: UnityCatalogNames;
      schemas: { batch: string; stream: string };
    }
  | {
      kind: "mount";
      mountUri: string;
      /** Without one the Delta tables are directories under the mount. */
      catalog: string | undefined;
      schemas: { batch: string; stream: string };
      workspaceDir: string;
    };

/** The layout of one mode: volume paths and catalog tables, or paths under `dbfs:/mnt/...`. */
export function storageLayout(plan: StoragePlan): StorageLayout {
  if (plan.kind === "unity-catalog") {
    const volumes = `/Volumes/${plan.catalog}/${plan.names.landingSchema}`;
    return {
      // The topics volume is named like the sink's first folder, so `${input}/topics/<topic>` is inside it.
      input: volumes,
      checkpoint: `${volumes}/${plan.names.checkpointsVolume}/stream`,
      batchCheckpoint: `${volumes}/${plan.names.checkpointsVolume}/batch`,
      batchOutput: `${plan.catalog}.${plan.schemas.batch}`,
      streamOutput: `${plan.catalog}.${plan.schemas.stream}`,
      wheelDir: `${volumes}/${plan.names.artifactsVolume}`,
    };
  }
  return {
    input: plan.mountUri,
    checkpoint: `${plan.mountUri}/checkpoints/stream`,
    batchCheckpoint: `${plan.mountUri}/checkpoints/batch`,
    batchOutput: plan.catalog ? `${plan.catalog}.${plan.schemas.batch}` : `${plan.mountUri}/delta/batch`,
    streamOutput: plan.catalog ? `${plan.catalog}.${plan.schemas.stream}` : `${plan.mountUri}/delta/stream`,
    wheelDir: `/Workspace${plan.workspaceDir}/wheels`,
  };
}

export interface UnityCatalogStorageArgs {
  prefix: string;
  accountId: pulumi.Input<string>;
  dataBucket: aws.s3.Bucket;
  streamArns: pulumi.Input<string>[];
  names: UnityCatalogNames;
  /** An existing catalog; without it the program creates `names.catalog` with managed storage in the bucket. */
  existingCatalog: string | undefined;
  schemas: { batch: string; stream: string };
  /** The bucket folder the sink writes (the topics volume's location). */
  topicsPrefix: string;
  forceDestroy: boolean;
  comment: string;
  /** The service principal (application id) the jobs run as: granted what they use, nothing else. */
  jobsPrincipal: string | undefined;
}

/** What the jobs' principal may do on each object (Unity Catalog privilege names). */
export const JOB_PRIVILEGES = {
  catalog: ["USE_CATALOG"],
  landingSchema: ["USE_SCHEMA"],
  tableSchema: ["USE_SCHEMA", "CREATE_TABLE", "SELECT", "MODIFY"],
  readVolume: ["READ_VOLUME"],
  writeVolume: ["READ_VOLUME", "WRITE_VOLUME"],
  serviceCredential: ["ACCESS"],
} as const;

export interface UnityCatalogStorage {
  catalog: pulumi.Output<string>;
  serviceCredential: pulumi.Output<string>;
  /** What the jobs wait on: schemas, volumes and the service credential. */
  ready: pulumi.Resource[];
  /** The volume that holds the job wheel. */
  artifactsVolume: databricks.Volume;
  /** The schemas of the jobs' tables, which the declared tables go in. */
  tableSchemas: databricks.Schema[];
}

const json = (value: unknown) => JSON.stringify(value);

/** An IAM role behind a Unity Catalog credential: named (its trust policy names it), trusting the credential's external id. */
function credentialRole(
  name: string,
  roleName: string,
  accountId: pulumi.Input<string>,
  externalId: pulumi.Output<string>,
  policy: (roleArn: string) => pulumi.Output<string>,
  opts: pulumi.CustomResourceOptions,
): { role: aws.iam.Role; policy: aws.iam.RolePolicy } {
  const role = new aws.iam.Role(
    name,
    {
      name: roleName,
      assumeRolePolicy: pulumi
        .all([accountId, externalId])
        .apply(([account, id]) => json(unityCatalogTrustPolicy(account, roleName, id))),
    },
    opts,
  );
  const rolePolicy = new aws.iam.RolePolicy(name, { role: role.id, policy: role.arn.apply(policy) }, opts);
  return { role, policy: rolePolicy };
}

/** The folder of the data bucket that holds the stack catalog's managed tables. */
export const CATALOG_STORAGE_FOLDER = "unity-catalog";

/**
 * Unity Catalog objects of the stack. The credentials are declared first with the role ARN the named roles will
 * have (validation skipped, the role does not exist yet); the roles then trust the external ids the credentials
 * got, and the external location, which Databricks validates, comes after the roles.
 */
export function unityCatalogStorage(
  name: string,
  args: UnityCatalogStorageArgs,
  aws_: pulumi.CustomResourceOptions,
  workspace: pulumi.CustomResourceOptions,
): UnityCatalogStorage {
  const roleArn = (roleName: string) => pulumi.interpolate`arn:aws:iam::${args.accountId}:role/${roleName}`;
  const storageRoleName = unityCatalogStorageRoleName(args.prefix);
  const kinesisRoleName = unityCatalogKinesisRoleName(args.prefix);

  const storageCredential = new databricks.StorageCredential(
    `${name}-storage-credential`,
    {
      name: args.names.storageCredential,
      awsIamRole: { roleArn: roleArn(storageRoleName) },
      skipValidation: true,
      comment: args.comment,
    },
    workspace,
  );
  const storage = credentialRole(
    `${name}-uc-storage`,
    storageRoleName,
    args.accountId,
    storageCredential.awsIamRole.apply((role) => role?.externalId ?? ""),
    (arn) =>
      args.dataBucket.arn.apply((bucketArn) =>
        json(
          unityCatalogStoragePolicy(bucketArn, arn, {
            read: [args.topicsPrefix],
            readWrite: [args.names.checkpointsVolume, args.names.artifactsVolume, CATALOG_STORAGE_FOLDER],
          }),
        ),
      ),
    aws_,
  );
  const bucketUrl = pulumi.interpolate`s3://${args.dataBucket.bucket}`;
  const location = new databricks.ExternalLocation(
    `${name}-external-location`,
    {
      name: args.names.externalLocation,
      url: bucketUrl,
      credentialName: storageCredential.name,
      comment: args.comment,
      forceDestroy: args.forceDestroy,
      // Databricks validates a new location by reading it through the credential's role, seconds after IAM
      // created that role and its policy; before IAM has propagated them the first apply fails ("AWS IAM role
      // does not have READ permissions", databricks/terraform-provider-databricks#3069, a rerun succeeds).
      // skip_validation (provider PR #1330) creates it unchecked; docs/deploying.md says how to test it after.
      // It would also write and delete a file at the location's root, which the credential's role may not (it
      // reaches the folders of UnityCatalogPrefixes only); the volumes' use checks the folders.
      skipValidation: true,
    },
    { ...workspace, dependsOn: [storage.role, storage.policy] },
  );

  const catalog = args.existingCatalog
    ? pulumi.output(args.existingCatalog)
    : new databricks.Catalog(
        `${name}-catalog`,
        {
          name: args.names.catalog,
          storageRoot: pulumi.interpolate`${bucketUrl}/${CATALOG_STORAGE_FOLDER}`,
          comment: args.comment,
          forceDestroy: args.forceDestroy,
        },
        { ...workspace, dependsOn: [location] },
      ).name;

  const schema = (schemaName: string) =>
    new databricks.Schema(
      `${name}-schema-${schemaName}`,
      { catalogName: catalog, name: schemaName, comment: args.comment, forceDestroy: args.forceDestroy },
      workspace,
    );
  const landing = schema(args.names.landingSchema);
  const tableSchemas = [schema(args.schemas.batch), schema(args.schemas.stream)];
  const volume = (volumeName: string, folder: string) =>
    new databricks.Volume(
      `${name}-volume-${volumeName}`,
      {
        name: volumeName,
        catalogName: catalog,
        schemaName: landing.name,
        volumeType: "EXTERNAL",
        storageLocation: pulumi.interpolate`${bucketUrl}/${folder}`,
        comment: args.comment,
      },
      { ...workspace, dependsOn: [location] },
    );
  const topics = volume(args.names.topicsVolume, args.topicsPrefix);
  const checkpoints = volume(args.names.checkpointsVolume, args.names.checkpointsVolume);
  const artifactsVolume = volume(args.names.artifactsVolume, args.names.artifactsVolume);

  // Kinesis: a service credential (Databricks Runtime 16.1+) the stream job names in the source's options.
  const serviceCredential = new databricks.Credential(
    `${name}-kinesis-credential`,
    {
      name: args.names.serviceCredential,
      purpose: "SERVICE",
      awsIamRole: { roleArn: roleArn(kinesisRoleName) },
      skipValidation: true,
      comment: args.comment,
    },
    workspace,
  );
  const kinesis = credentialRole(
    `${name}-uc-kinesis`,
    kinesisRoleName,
    args.accountId,
    serviceCredential.awsIamRole.apply((role) => role?.externalId ?? ""),
    (arn) =>
      pulumi.all(args.streamArns).apply((streamArns) => json(unityCatalogKinesisPolicy(streamArns, arn))),
    aws_,
  );

  // Grant (not Grants): adds the principal's privileges and leaves everyone else's, also on an existing catalog.
  const grants: pulumi.Resource[] = [];
  const principal = args.jobsPrincipal;
  if (principal !== undefined) {
    const grant = (key: string, on: Record<string, pulumi.Input<string>>, privileges: readonly string[]) =>
      grants.push(
        new databricks.Grant(
          `${name}-grant-${key}`,
          { ...on, principal, privileges: [...privileges] },
          workspace,
        ),
      );
    grant("catalog", { catalog }, JOB_PRIVILEGES.catalog);
    grant(
      "landing",
      { schema: pulumi.interpolate`${catalog}.${landing.name}` },
      JOB_PRIVILEGES.landingSchema,
    );
    tableSchemas.forEach((tableSchema, index) =>
      grant(
        `tables-${index}`,
        { schema: pulumi.interpolate`${catalog}.${tableSchema.name}` },
        JOB_PRIVILEGES.tableSchema,
      ),
    );
    const volumeName = (volume: databricks.Volume) =>
      pulumi.interpolate`${catalog}.${landing.name}.${volume.name}`;
    grant("topics", { volume: volumeName(topics) }, JOB_PRIVILEGES.readVolume);
    grant("checkpoints", { volume: volumeName(checkpoints) }, JOB_PRIVILEGES.writeVolume);
    grant("artifacts", { volume: volumeName(artifactsVolume) }, JOB_PRIVILEGES.readVolume);
    grant("kinesis", { credential: serviceCredential.name }, JOB_PRIVILEGES.serviceCredential);
  }

  return {
    catalog,
    serviceCredential: serviceCredential.name,
    ready: [...tableSchemas, topics, checkpoints, artifactsVolume, kinesis.role, kinesis.policy, ...grants],
    artifactsVolume,
    tableSchemas,
  };
}

export interface MountStorageArgs {
  prefix: string;
  dataBucket: aws.s3.Bucket;
  streamArns: pulumi.Input<string>[];
  crossAccountRoleName: string;
  mountName: string;
  /** The all-purpose cluster the mount is made from. */
  cluster: (instanceProfileArn: pulumi.Output<string>) => databricks.Cluster;
}

export interface MountStorage {
  instanceProfileArn: pulumi.Output<string>;
  mount: databricks.Mount;
}

/** The seeds' design for workspaces that still allow DBFS mounts: instance profile, cluster, mount. */
export function mountStorage(
  name: string,
  args: MountStorageArgs,
  aws_: pulumi.CustomResourceOptions,
  workspace: pulumi.CustomResourceOptions,
): MountStorage {
  const dataRole = new aws.iam.Role(
    `${name}-data-access`,
    { assumeRolePolicy: json(serviceTrustPolicy(["ec2.amazonaws.com"])) },
    aws_,
  );
  new aws.iam.RolePolicy(
    `${name}-data-access`,
    {
      role: dataRole.id,
      policy: pulumi
        .all([args.dataBucket.arn, pulumi.all(args.streamArns)])
        .apply(([bucketArn, streamArns]) => json(databricksDataAccessPolicy(bucketArn, streamArns))),
    },
    aws_,
  );
  const profile = new aws.iam.InstanceProfile(`${name}-data-access`, { role: dataRole.name }, aws_);
  const passRole = new aws.iam.RolePolicy(
    `${name}-pass-role`,
    { role: args.crossAccountRoleName, policy: dataRole.arn.apply((arn) => json(passRolePolicy(arn))) },
    aws_,
  );
  // Registration validates the profile with a dry-run instance launch, which fails while IAM has not propagated
  // the new profile (databricks/terraform-provider-databricks#779, #1226: the maintainers' answer is
  // skip_validation); the clusters using it come later anyway.
  const workspaceProfile = new databricks.InstanceProfile(
    `${name}-instance-profile`,
    { instanceProfileArn: profile.arn, skipValidation: true },
    { ...workspace, dependsOn: [passRole] },
  );
  const cluster = args.cluster(workspaceProfile.instanceProfileArn);
  const mount = new databricks.Mount(
    `${name}-mount`,
    {
      name: args.mountName,
      clusterId: cluster.id,
      s3: { bucketName: args.dataBucket.bucket, instanceProfile: workspaceProfile.instanceProfileArn },
    },
    workspace,
  );
  return { instanceProfileArn: workspaceProfile.instanceProfileArn, mount };
}
