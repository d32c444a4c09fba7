// The Pulumi program: the cloud side of the pipeline (see ARCHITECTURE.md), one component per concern.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import versions from "../versions.json";
import { ConfigError, parseConfig, StackConfig } from "./config";
import { BatchIngestion } from "./batchIngestion";
import { DataLake } from "./dataLake";
import { DatabricksWorkspace } from "./databricksWorkspace";
import { IngestApi } from "./ingestApi";
import {
  dagBucketName,
  dataBucketName,
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
import { Orchestration } from "./orchestration";
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
const { prefix, region } = config;
// Stack outputs of DATA-CONTRACT section 6 (with apiUrl and apiKey below).
export const topics = topicNames(prefix);
export const streams = streamNames(prefix);
const accountId = aws.getCallerIdentityOutput().accountId;
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

const network = new Network(`${prefix}-network`, config.network);

const dataLake = new DataLake(`${prefix}-data-lake`, {
  bucketName: accountId.apply((account) => dataBucketName(prefix, account)),
  forceDestroy: config.dataLake.forceDestroy,
});

const batch = new BatchIngestion(`${prefix}-batch`, {
  region,
  clusterName: mskClusterName(prefix),
  connectorName: s3SinkConnectorName(prefix),
  consumerGroup: s3SinkConsumerGroup(prefix),
  topics: TABLES.map((table) => topics[table]),
  msk: config.msk,
  restProxy: config.restProxy,
  connect: config.connect,
  privateSubnetIds: network.privateSubnetIds,
  mskSecurityGroupId: network.mskSecurityGroup.id,
  restProxySecurityGroupId: network.restProxySecurityGroup.id,
  connectSecurityGroupId: network.connectSecurityGroup.id,
  dataBucket: dataLake.bucket,
  dataBucketReady: dataLake.ready,
  topicsPrefix,
});

const stream = new StreamIngestion(`${prefix}-stream`, { streamNames: streams, ...config.streams });

const api = new IngestApi(`${prefix}-ingest`, {
  region,
  prefix,
  ...config.api,
  vpcId: network.vpc.id,
  privateSubnetIds: network.privateSubnetIds,
  restProxyInstanceIds: batch.restProxyInstances.map((instance) => instance.id),
  streamArns: stream.streamArns,
});

const workspace = new DatabricksWorkspace(`${prefix}-databricks`, {
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
  storage: config.databricks.storage,
  catalog: config.databricks.catalog,
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
});

const orchestration = new Orchestration(`${prefix}-orchestration`, {
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
  batchJobId: workspace.batchJob.id,
  databricks: {
    host: config.databricks.host,
    auth:
      config.databricks.airflowToken !== undefined
        ? { kind: "token", token: pulumi.secret(config.databricks.airflowToken) }
        : databricksAuth,
  },
});

// DATA-CONTRACT section 6 (with topics and streams above), then the other handles of the stack.
export const apiUrl = api.url;
export const apiKey = api.apiKey;
export const dataBucket = dataLake.bucket.bucket;
export const dataRoot = workspace.dataRoot;
export const batchJobId = workspace.batchJob.id;
export const streamJobId = workspace.streamJob.id;
export const dagBucket = orchestration.dagBucket.bucket;
export const mwaaUrl = orchestration.webserverUrl;
