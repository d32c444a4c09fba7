// Batch ingestion: MSK with IAM auth and TLS, the three topics, the Kafka REST proxy on EC2, and the
// MSK Connect S3 sink that lands the topics in the data bucket.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { minInsyncReplicas, StackConfig } from "./config";
import { artifactFileName, fetchVerified } from "./artifacts";
import {
  restProxyPolicy,
  s3SinkConnectorPolicy,
  s3SinkWriterPolicy,
  s3SinkWriterTrustPolicy,
  serviceTrustPolicy,
} from "./iam";
import { restProxyUserData } from "./restProxyUserData";
import { s3SinkConnectorConfig } from "./s3SinkConfig";

export const AL2023_AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";

export interface BatchIngestionArgs {
  region: string;
  accountId: pulumi.Input<string>;
  clusterName: string;
  connectorName: string;
  consumerGroup: string;
  topics: string[];
  /** The S3 sink's dead-letter topic. */
  deadLetterTopic: string;
  msk: StackConfig["msk"];
  restProxy: StackConfig["restProxy"];
  connect: StackConfig["connect"];
  privateSubnetIds: pulumi.Input<string>[];
  mskSecurityGroupId: pulumi.Input<string>;
  restProxySecurityGroupId: pulumi.Input<string>;
  connectSecurityGroupId: pulumi.Input<string>;
  dataBucket: aws.s3.Bucket;
  dataBucketReady: pulumi.Resource[];
  /** NAT gateways and private routes: the REST proxy's first boot and the connector need egress. */
  egressReady: pulumi.Resource[];
  /** The bucket folder the sink writes below (the first folder of the contract's topic layout). */
  topicsPrefix: string;
}

const json = (value: unknown) => JSON.stringify(value);

export class BatchIngestion extends pulumi.ComponentResource {
  readonly clusterArn: pulumi.Output<string>;
  readonly bootstrapServers: pulumi.Output<string>;
  readonly restProxyInstances: aws.ec2.Instance[];
  readonly connector: aws.mskconnect.Connector;
  readonly deadLetterTopic: string;

  constructor(name: string, args: BatchIngestionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pinterest:pipeline:BatchIngestion", name, {}, opts);
    const parent = { parent: this };

    // ---- MSK ----
    const brokerLogs = new aws.cloudwatch.LogGroup(
      `${name}-msk-logs`,
      // Retention (and key) of every log group: the stack's hardening transformation (infra/hardeningTransforms.ts).
      { name: `/pinterest/${args.clusterName}/brokers` },
      parent,
    );
    // Provisioned only: config refuses mskMode serverless, since MSK's topic API serves provisioned clusters.
    const configuration = new aws.msk.Configuration(
      `${name}-msk-config`,
      {
        name: `${args.clusterName}-config`,
        kafkaVersions: [args.msk.kafkaVersion],
        // Topics are declared by this program only, never created by a stray producer.
        serverProperties: [
          "auto.create.topics.enable=false",
          `default.replication.factor=${args.msk.topicReplicationFactor}`,
          `min.insync.replicas=${minInsyncReplicas(args.msk.topicReplicationFactor)}`,
          "",
        ].join("\n"),
      },
      parent,
    );
    const cluster = new aws.msk.Cluster(
      `${name}-msk`,
      {
        clusterName: args.clusterName,
        kafkaVersion: args.msk.kafkaVersion,
        numberOfBrokerNodes: args.msk.brokersPerAz * args.privateSubnetIds.length,
        brokerNodeGroupInfo: {
          instanceType: args.msk.brokerInstanceType,
          clientSubnets: args.privateSubnetIds,
          securityGroups: [args.mskSecurityGroupId],
          storageInfo: { ebsStorageInfo: { volumeSize: args.msk.brokerVolumeGb } },
        },
        clientAuthentication: { sasl: { iam: true }, unauthenticated: false },
        encryptionInfo: { encryptionInTransit: { clientBroker: "TLS", inCluster: true } },
        configurationInfo: { arn: configuration.arn, revision: configuration.latestRevision },
        loggingInfo: { brokerLogs: { cloudwatchLogs: { enabled: true, logGroup: brokerLogs.name } } },
      },
      parent,
    );
    this.clusterArn = cluster.arn;
    this.bootstrapServers = cluster.bootstrapBrokersSaslIam;

    const topics = args.topics.map(
      (topic, index) =>
        new aws.msk.Topic(
          `${name}-topic-${index}`,
          {
            clusterArn: this.clusterArn,
            name: topic,
            partitionCount: args.msk.topicPartitions,
            replicationFactor: args.msk.topicReplicationFactor,
          },
          parent,
        ),
    );

    const deadLetterTopic = new aws.msk.Topic(
      `${name}-topic-dead-letter`,
      {
        clusterArn: this.clusterArn,
        name: args.deadLetterTopic,
        partitionCount: 1,
        replicationFactor: args.msk.topicReplicationFactor,
      },
      parent,
    );
    this.deadLetterTopic = args.deadLetterTopic;

    // ---- Kafka REST proxy ----
    const proxyRole = new aws.iam.Role(
      `${name}-rest-proxy`,
      { assumeRolePolicy: json(serviceTrustPolicy(["ec2.amazonaws.com"])) },
      parent,
    );
    new aws.iam.RolePolicy(
      `${name}-rest-proxy-produce`,
      { role: proxyRole.id, policy: this.clusterArn.apply((arn) => json(restProxyPolicy(arn, args.topics))) },
      parent,
    );
    // SSM Session Manager instead of SSH.
    new aws.iam.RolePolicyAttachment(
      `${name}-rest-proxy-ssm`,
      { role: proxyRole.name, policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" },
      parent,
    );
    const proxyProfile = new aws.iam.InstanceProfile(`${name}-rest-proxy`, { role: proxyRole.name }, parent);
    const ami = aws.ssm.getParameterOutput({ name: AL2023_AMI_PARAMETER }, parent);
    const userData = this.bootstrapServers.apply((bootstrapServers) =>
      restProxyUserData({
        bootstrapServers,
        confluentVersion: args.restProxy.confluentVersion,
        confluentSha256: args.restProxy.confluentSha256,
        mskIamAuthVersion: args.restProxy.mskIamAuthVersion,
        mskIamAuthSha256: args.restProxy.mskIamAuthSha256,
      }),
    );
    this.restProxyInstances = [...Array(args.restProxy.instanceCount).keys()].map(
      (index) =>
        new aws.ec2.Instance(
          `${name}-rest-proxy-${index}`,
          {
            ami: ami.value,
            instanceType: args.restProxy.instanceType,
            subnetId: args.privateSubnetIds[index % args.privateSubnetIds.length],
            vpcSecurityGroupIds: [args.restProxySecurityGroupId],
            iamInstanceProfile: proxyProfile.name,
            associatePublicIpAddress: false,
            metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 },
            // With kmsKey customer, the stack's transformation adds the key (infra/hardeningTransforms.ts).
            rootBlockDevice: { encrypted: true, volumeSize: 20, volumeType: "gp3" },
            // EC2 simplified automatic recovery: a failed host (system status check) brings the instance back
            // on new hardware with the same ID, so the NLB's target comes back by itself.
            maintenanceOptions: { autoRecovery: "default" },
            userData,
            userDataReplaceOnChange: true,
            tags: { Name: `${name}-rest-proxy-${index}` },
          },
          // The proxy only accepts records for topics that exist.
          { parent: this, dependsOn: [...topics, ...args.egressReady], ignoreChanges: ["ami"] },
        ),
    );

    // ---- MSK Connect S3 sink ----
    const pluginFile = artifactFileName(args.connect.pluginUrl);
    // Downloaded by the program and checked against the pinned checksum before it is uploaded.
    const pluginSource = fetchVerified({
      url: args.connect.pluginUrl,
      sha256: args.connect.pluginSha256,
      checksumKey: "connectPluginSha256",
    }).then(
      (file) => new pulumi.asset.FileAsset(file),
      // Reported as its one-line message, without a stack trace.
      (error: Error) => Promise.reject(new pulumi.RunError(error.message)),
    );
    const pluginObject = new aws.s3.BucketObjectv2(
      `${name}-s3-sink-plugin`,
      {
        bucket: args.dataBucket.id,
        key: `connect-plugins/${pluginFile}`,
        source: pluginSource,
      },
      { parent: this, dependsOn: args.dataBucketReady },
    );
    const plugin = new aws.mskconnect.CustomPlugin(
      `${name}-s3-sink-plugin`,
      {
        name: `${args.connectorName}-plugin`,
        contentType: pluginFile.endsWith(".zip") ? "ZIP" : "JAR",
        location: { s3: { bucketArn: args.dataBucket.arn, fileKey: pluginObject.key } },
      },
      parent,
    );
    const connectRole = new aws.iam.Role(
      `${name}-s3-sink`,
      {
        // The trust policy of the MSK developer guide's "Understand service execution role": this account and
        // a connector of this name.
        assumeRolePolicy: pulumi.output(args.accountId).apply((account) =>
          json(
            serviceTrustPolicy(["kafkaconnect.amazonaws.com"], {
              account,
              arnLike: `arn:aws:kafkaconnect:${args.region}:${account}:connector/${args.connectorName}/*`,
            }),
          ),
        ),
      },
      parent,
    );
    // The connector writes S3 as a role it assumes (aws.sts.role.arn), never with keys.
    const writerRole = new aws.iam.Role(
      `${name}-s3-sink-writer`,
      { assumeRolePolicy: connectRole.arn.apply((arn) => json(s3SinkWriterTrustPolicy(arn))) },
      parent,
    );
    const writerPolicy = new aws.iam.RolePolicy(
      `${name}-s3-sink-writer`,
      {
        role: writerRole.id,
        policy: args.dataBucket.arn.apply((bucketArn) =>
          json(s3SinkWriterPolicy(bucketArn, args.topicsPrefix)),
        ),
      },
      parent,
    );
    const connectPolicy = new aws.iam.RolePolicy(
      `${name}-s3-sink`,
      {
        role: connectRole.id,
        policy: pulumi.all([this.clusterArn, writerRole.arn]).apply(([clusterArn, writerRoleArn]) =>
          json(
            s3SinkConnectorPolicy({
              clusterArn,
              topics: args.topics,
              connectorName: args.connectorName,
              consumerGroup: args.consumerGroup,
              writerRoleArn,
              deadLetterTopic: args.deadLetterTopic,
            }),
          ),
        ),
      },
      parent,
    );
    const connectLogs = new aws.cloudwatch.LogGroup(
      `${name}-s3-sink-logs`,
      { name: `/pinterest/${args.connectorName}/workers` },
      parent,
    );
    this.connector = new aws.mskconnect.Connector(
      `${name}-s3-sink`,
      {
        name: args.connectorName,
        kafkaconnectVersion: args.connect.kafkaConnectVersion,
        capacity: {
          provisionedCapacity: { mcuCount: args.connect.mcuCount, workerCount: args.connect.workerCount },
        },
        connectorConfiguration: pulumi
          .all([args.dataBucket.bucket, writerRole.arn])
          .apply(([bucketName, writerRoleArn]) =>
            s3SinkConnectorConfig({
              topics: args.topics,
              bucketName,
              region: args.region,
              maxTasks: args.msk.topicPartitions,
              writerRoleArn,
              sessionName: args.connectorName,
              deadLetterTopic: args.deadLetterTopic,
              deadLetterReplicationFactor: args.msk.topicReplicationFactor,
            }),
          ),
        kafkaCluster: {
          apacheKafkaCluster: {
            bootstrapServers: this.bootstrapServers,
            vpc: { securityGroups: [args.connectSecurityGroupId], subnets: args.privateSubnetIds },
          },
        },
        kafkaClusterClientAuthentication: { authenticationType: "IAM" },
        kafkaClusterEncryptionInTransit: { encryptionType: "TLS" },
        plugins: [{ customPlugin: { arn: plugin.arn, revision: plugin.latestRevision } }],
        serviceExecutionRoleArn: connectRole.arn,
        logDelivery: { workerLogDelivery: { cloudwatchLogs: { enabled: true, logGroup: connectLogs.name } } },
      },
      {
        parent: this,
        dependsOn: [connectPolicy, writerPolicy, ...topics, deadLetterTopic, ...args.egressReady],
      },
    );

    this.registerOutputs({
      clusterArn: this.clusterArn,
      bootstrapServers: this.bootstrapServers,
      restProxyInstanceIds: this.restProxyInstances.map((instance) => instance.id),
      connectorArn: this.connector.arn,
    });
  }
}
