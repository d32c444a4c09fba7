// The Pulumi program: the cloud side of the pipeline (docs/architecture.md), one component per concern.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import versions from "../versions.json";
import { ConfigError, configWarnings, parseConfig, StackConfig } from "./config";
import { BatchIngestion } from "./batchIngestion";
import { DataLake } from "./dataLake";
import { DatabricksWorkspace } from "./databricksWorkspace";
import { stackTags } from "./defaultTags";
import { EncryptionKey } from "./encryptionKey";
import { customerKeyTransformation, logRetentionTransformation } from "./hardeningTransforms";
import { IngestApi } from "./ingestApi";
import { mskClusterNameFromArn, Monitoring, sinkKeyPrefix } from "./monitoring";
import {
  dagBucketName,
  dataBucketName,
  dagId,
  deltaSchemaNames,
  mountName,
  mountUri,
  mskClusterName,
  mwaaEnvironmentName,
  s3SinkConnectorName,
  s3SinkConsumerGroup,
  streamNames,
  TABLES,
  topicNames,
  workspaceDir,
} from "./names";
import { topicDir } from "../contract";
import { Network } from "./network";
import { loadMwaaPlugins, MwaaPlugins } from "./mwaaPlugins";
import { s3SinkDeadLetterTopicName } from "./physicalNames";
import { Orchestration } from "./orchestration";
import { S3_SINK_FILE_NAME_TEMPLATE } from "./s3SinkConfig";
import { StreamIngestion } from "./streamIngestion";

function loadStackConfig(): StackConfig {
  try {
    return parseConfig(pulumi.runtime.allConfig(), pulumi.getStack());
  } catch (error) {
    // A RunError is reported as its message alone, without a stack trace.
    if (error instanceof ConfigError) throw new pulumi.RunError(error.message);
    throw error;
  }
}

const config = loadStackConfig();
// MWAA installs the provider offline from plugins.zip (private web server): refuse to deploy before it is built.
function loadPlugins(): MwaaPlugins {
  try {
    return loadMwaaPlugins();
  } catch (error) {
    throw new pulumi.RunError((error as Error).message);
  }
}
const mwaaPlugins = loadPlugins();
for (const warning of configWarnings(config)) pulumi.log.warn(warning);
const { prefix, region } = config;
// Stack outputs of docs/contract.md section 6 (with apiUrl and apiKey below).
export const topics = topicNames(prefix);
export const streams = streamNames(prefix);
const tags = stackTags({ stack: config.stack, prefix, owner: config.owner });
// Every AWS resource goes through this provider: its default tags say which stack, prefix and owner it is of.
// (pulumi-aws 7.48 provider: defaultTags {tags}, node_modules/@pulumi/aws/provider.d.ts ProviderDefaultTags.)
const awsProvider = new aws.Provider(`${prefix}-aws`, {
  region,
  defaultTags: { tags },
});
const accountId = aws.getCallerIdentityOutput({}, { provider: awsProvider }).accountId;
const encryptionKey =
  config.hardening.kmsKey === "customer"
    ? new EncryptionKey(`${prefix}-kms`, { prefix, region, accountId }, { providers: [awsProvider] })
    : undefined;
// Every component: the tagged provider, and the configured log retention (and key) on each log group.
const logRetention = logRetentionTransformation(config.hardening.logRetentionDays, encryptionKey?.arn);
const inStack: pulumi.ComponentResourceOptions = {
  providers: [awsProvider],
  transformations: [logRetention],
};
// The components that store data at rest use the customer-managed key when there is one.
const withDataKey: pulumi.ComponentResourceOptions = encryptionKey
  ? { ...inStack, transformations: [logRetention, customerKeyTransformation(encryptionKey.arn)] }
  : inStack;
// The bucket folder the S3 sink writes every topic below (the first folder of the contract's layout).
const topicsPrefix = topicDir(topics.pin).split("/")[0];
const databricksAuth =
  config.databricks.auth.kind === "token"
    ? { kind: "token" as const, token: pulumi.secret(config.databricks.auth.token) }
    : {
        kind: "oauth" as const,
        clientId: config.databricks.auth.clientId,
        clientSecret: pulumi.secret(config.databricks.auth.clientSecret),
      };

const network = new Network(`${prefix}-network`, { region, accountId, ...config.network }, inStack);

const dataLake = new DataLake(
  `${prefix}-data-lake`,
  {
    bucketName: accountId.apply((account) => dataBucketName(prefix, account)),
    forceDestroy: config.dataLake.forceDestroy,
  },
  // Protect is inherited by the bucket and its settings: no update or destroy deletes them.
  { ...withDataKey, protect: config.hardening.protectDataBucket },
);

const batch = new BatchIngestion(
  `${prefix}-batch`,
  {
    region,
    accountId,
    clusterName: mskClusterName(prefix),
    connectorName: s3SinkConnectorName(prefix),
    consumerGroup: s3SinkConsumerGroup(prefix),
    topics: TABLES.map((table) => topics[table]),
    deadLetterTopic: s3SinkDeadLetterTopicName(prefix),
    msk: config.msk,
    restProxy: config.restProxy,
    connect: config.connect,
    privateSubnetIds: network.privateSubnetIds,
    mskSecurityGroupId: network.mskSecurityGroup.id,
    restProxySecurityGroupId: network.restProxySecurityGroup.id,
    connectSecurityGroupId: network.connectSecurityGroup.id,
    dataBucket: dataLake.bucket,
    dataBucketReady: dataLake.ready,
    egressReady: network.egressReady,
    topicsPrefix,
  },
  withDataKey,
);

const stream = new StreamIngestion(
  `${prefix}-stream`,
  { streamNames: streams, ...config.streams },
  withDataKey,
);

const api = new IngestApi(
  `${prefix}-ingest`,
  {
    region,
    accountId,
    prefix,
    ...config.api,
    vpcId: network.vpc.id,
    loadBalancerSecurityGroupId: network.restProxyLoadBalancerSecurityGroup.id,
    privateSubnetIds: network.privateSubnetIds,
    restProxyInstanceIds: batch.restProxyInstances.map((instance) => instance.id),
    streamArns: stream.streamArns,
  },
  inStack,
);

const workspace = new DatabricksWorkspace(
  `${prefix}-databricks`,
  {
    prefix,
    region,
    accountId,
    host: config.databricks.host,
    auth: databricksAuth,
    crossAccountRoleName: config.databricks.crossAccountRoleName,
    sparkVersion: versions.databricksRuntime,
    nodeTypeId: config.databricks.nodeTypeId,
    autoterminationMinutes: config.databricks.autoterminationMinutes,
    streamJobPaused: config.databricks.streamJobPaused,
    jobFailure: {
      emails: config.jobs.failureEmails,
      webhookUrl: config.jobs.failureWebhookUrl && pulumi.secret(config.jobs.failureWebhookUrl),
    },
    batchTimeoutMinutes: config.jobs.batchTimeoutMinutes,
    batchMaxRetries: config.jobs.batchMaxRetries,
    airflowPrincipal: config.databricks.airflowPrincipal,
    tags,
    storage: config.databricks.storage,
    catalog: config.databricks.catalog,
    jobsServicePrincipal: config.databricks.jobsServicePrincipal,
    schemaNames: deltaSchemaNames(prefix),
    mountName: mountName(prefix),
    mountUri: mountUri(prefix),
    workspaceDir: workspaceDir(prefix),
    topics,
    streams,
    dataBucket: dataLake.bucket,
    topicsPrefix,
    streamArns: stream.streamArns,
    forceDestroy: config.dataLake.forceDestroy,
    warehouse: config.databricks.warehouse,
    protectTables: config.hardening.protectDataBucket,
  },
  inStack,
);

const orchestration = new Orchestration(
  `${prefix}-orchestration`,
  {
    prefix,
    region,
    accountId,
    environmentName: mwaaEnvironmentName(prefix),
    airflowVersion: versions.mwaaAirflow,
    dagBucketName: accountId.apply((account) => dagBucketName(prefix, account)),
    forceDestroy: config.dataLake.forceDestroy,
    ...config.orchestration,
    subnetIds: network.privateSubnetIds.slice(0, 2),
    securityGroupId: network.mwaaSecurityGroup.id,
    egressReady: network.egressReady,
    plugins: mwaaPlugins,
    kmsKeyArn: encryptionKey?.arn,
    batchJobId: workspace.batchJob.id,
    databricks: {
      host: config.databricks.host,
      auth:
        config.databricks.airflowToken !== undefined
          ? { kind: "token", token: pulumi.secret(config.databricks.airflowToken) }
          : databricksAuth,
    },
  },
  withDataKey,
);

const monitoring = new Monitoring(
  `${prefix}-monitoring`,
  {
    prefix,
    region,
    accountId,
    alarmEmails: config.monitoring.alarmEmails,
    thresholds: config.monitoring.thresholds,
    budget: config.monitoring.budget,
    api: { name: api.api.name, stage: api.stage.stageName, topicResource: api.topicResourcePath },
    streams: TABLES.map((table) => ({ table, name: stream.streams[table].name })),
    msk: { clusterName: batch.clusterArn.apply(mskClusterNameFromArn) },
    connectorName: batch.connector.name,
    deadLetterTopic: batch.deadLetterTopic,
    streamJobRunning: !config.databricks.streamJobPaused,
    dataBucket: dataLake.bucket,
    sinkPrefix: sinkKeyPrefix(S3_SINK_FILE_NAME_TEMPLATE),
    proxy: {
      loadBalancerArnSuffix: api.loadBalancer.arnSuffix,
      targetGroupArnSuffix: api.restProxyTargets.arnSuffix,
      instanceIds: batch.restProxyInstances.map((instance) => instance.id),
    },
    mwaa: { environmentName: orchestration.environment.name, dagId: dagId(prefix) },
    jobs: [
      { name: "batch job", url: workspace.batchJob.url },
      { name: "stream job", url: workspace.streamJob.url },
    ],
  },
  withDataKey,
);

// docs/contract.md section 6 (with topics and streams above), then the other handles of the stack.
export const apiUrl = api.url;
export const apiKey = api.apiKey;
export const dataBucket = dataLake.bucket.bucket;
export const dataRoot = workspace.dataRoot;
export const batchJobId = workspace.batchJob.id;
export const streamJobId = workspace.streamJob.id;
export const dagBucket = orchestration.dagBucket.bucket;
export const mwaaUrl = orchestration.webserverUrl;
export const alarmTopicArn = monitoring.alarmTopic.arn;
export const dashboardUrl = monitoring.dashboardUrl;
// The SQL warehouse of the declared tables and the serving views (docs/deploying.md); none without a catalog.
export const sqlWarehouseId = workspace.catalog?.warehouse.id;
export const sqlWarehouseHttpPath = workspace.catalog?.warehouse.odbcParams.path;
