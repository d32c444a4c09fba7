// The S3 sink's configuration against the pinned connector's own config validation: Aiven s3-connector-for-apache-
// kafka v2.15.0 (the default connectPluginUrl) and the commons library it builds on, aiven commons 0.12.0
// (build.gradle at v2.15.0: aivenConnectCommonsVersion = "0.12.0"). Kafka's AbstractConfig only logs keys it
// does not know, so the test also holds every key to the connector's ConfigDef, where a typo would be ignored.
import { expect } from "chai";
import { S3_SINK_CONNECTOR_CLASS, s3SinkConnectorConfig } from "../../infra/s3SinkConfig";

const config = s3SinkConnectorConfig({
  topics: ["pinpipe-dev.pin", "pinpipe-dev.geo", "pinpipe-dev.user"],
  bucketName: "pinpipe-dev-pipeline-data-123456789012",
  region: "eu-west-1",
  maxTasks: 3,
  writerRoleArn: "arn:aws:iam::123456789012:role/pinpipe-dev-batch-s3-sink-writer-abcdefg",
  sessionName: "pinpipe-dev-s3-sink",
  deadLetterTopic: "pinpipe-dev.s3-sink.dead-letter",
  deadLetterReplicationFactor: 2,
});

/** Keys Kafka Connect itself reads (SinkConnectorConfig / ConnectorConfig of Apache Kafka). */
const CONNECT_KEYS = [
  "connector.class",
  "tasks.max",
  "topics",
  "key.converter",
  "value.converter",
  "value.converter.schemas.enable",
  "errors.tolerance",
  "errors.log.enable",
  "errors.deadletterqueue.topic.name",
  "errors.deadletterqueue.topic.replication.factor",
  "errors.deadletterqueue.context.headers.enable",
];

/**
 * Keys the connector defines: S3SinkConfig.java at v2.15.0 (src/main/java/io/aiven/kafka/connect/s3/config/,
 * lines 97-126: AWS_S3_*_CONFIG, AWS_STS_*) and AivenCommonConfig.java at commons v0.12.0 (lines 39-47:
 * FORMAT_OUTPUT_*, FILE_*).
 */
const CONNECTOR_KEYS = [
  "aws.s3.bucket.name",
  "aws.s3.region",
  "aws.s3.prefix",
  "aws.s3.endpoint",
  "aws.access.key.id",
  "aws.secret.access.key",
  "aws.sts.role.arn",
  "aws.sts.role.external.id",
  "aws.sts.role.session.name",
  "aws.sts.role.session.duration",
  "aws.sts.config.endpoint",
  "format.output.fields",
  "format.output.fields.value.encoding",
  "format.output.type",
  "format.output.envelope",
  "file.compression.type",
  "file.max.records",
  "file.name.timestamp.timezone",
  "file.name.timestamp.source",
  "file.name.template",
];

describe("S3 sink configuration against Aiven's connector 2.15.0", () => {
  it("sets only keys Kafka Connect or the connector defines", () => {
    for (const key of Object.keys(config)) expect([...CONNECT_KEYS, ...CONNECTOR_KEYS], key).to.include(key);
    expect(config["connector.class"]).to.equal(S3_SINK_CONNECTOR_CLASS);
  });

  it("passes S3SinkConfig.validate(): an STS role and session name, and no static keys", () => {
    // S3SinkConfig.java v2.15.0 lines 700-713: without a valid AwsStsRole (arn and session name non-null,
    // AwsStsRole.isValid) and without access keys it throws "Either {aws.access.key.id, aws.secret.access.key}
    // or {aws.sts.role.arn, aws.sts.role.session.name} should be set". Keys are not to exist anywhere.
    expect(config["aws.sts.role.arn"]).to.match(/^arn:aws:iam::\d{12}:role\/.+/);
    expect(config["aws.sts.role.session.name"]).to.match(/^[\w+=,.@-]{2,64}$/);
    for (const key of [
      "aws.access.key.id",
      "aws.secret.access.key",
      "aws_access_key_id",
      "aws_secret_access_key",
    ])
      expect(config, key).not.to.have.property(key);
    // Lines 720-729: with an STS role, an endpoint other than the global default needs aws.s3.region, which is
    // also the signing region (AwsStsEndpointConfig.isValid: signingRegion != null).
    expect(config["aws.sts.config.endpoint"]).to.equal(
      `https://sts.${config["aws.s3.region"]}.amazonaws.com`,
    );
    // Lines 730-738: a bucket name must be set.
    expect(config["aws.s3.bucket.name"]).to.match(/^[a-z0-9][a-z0-9.-]+[a-z0-9]$/);
  });

  it("the STS role is assumed with the default credential chain, i.e. MSK Connect's execution role", () => {
    // AwsCredentialProviderFactory.java v2.15.0: getStsProvider builds STSAssumeRoleSessionCredentialsProvider
    // with an AWSSecurityTokenServiceClientBuilder.standard() client (endpoint config) whose credentials are
    // the SDK's default chain: on MSK Connect, the connector's service execution role. So the writer role
    // trusts that execution role (iam.ts s3SinkWriterTrustPolicy), and nothing else is needed.
    expect(Object.keys(config).filter((key) => key.startsWith("aws.sts."))).to.have.members([
      "aws.sts.role.arn",
      "aws.sts.role.session.name",
      "aws.sts.config.endpoint",
    ]);
  });

  it("passes AivenCommonConfig.validate() and uses values its enums accept", () => {
    // AivenCommonConfig.java v0.12.0 lines 61-71: envelope false needs exactly one output field.
    expect(config["format.output.envelope"]).to.equal("false");
    expect(config["format.output.fields"].split(",")).to.have.length(1);
    // OutputFieldType (key, value, offset, timestamp, headers), FormatType (avro, csv, json, jsonl, parquet),
    // OutputFieldEncodingType (none, base64), CompressionType (none, gzip, snappy, zstd).
    expect(["key", "value", "offset", "timestamp", "headers"]).to.include(config["format.output.fields"]);
    expect(["avro", "csv", "json", "jsonl", "parquet"]).to.include(config["format.output.type"]);
    expect(["none", "base64"]).to.include(config["format.output.fields.value.encoding"]);
    expect(["none", "gzip", "snappy", "zstd"]).to.include(config["file.compression.type"]);
  });

  it("a record the converter rejects goes to the dead-letter topic, with its error in the headers, not nowhere", () => {
    // Kafka Connect's sink settings (apache/kafka SinkConnectorConfig at 3.7, the MSK Connect version pinned
    // by kafkaConnectVersion; KIP-298): with errors.tolerance=all and no errors.deadletterqueue.topic.name the
    // failed record is only logged and skipped ("The topic name is blank by default, which means that no
    // messages are to be recorded in the DLQ"). The replication factor is used only if Connect creates the
    // topic; the program creates it, with the topics' factor.
    expect(config).to.include({
      "errors.tolerance": "all",
      "errors.deadletterqueue.topic.name": "pinpipe-dev.s3-sink.dead-letter",
      "errors.deadletterqueue.topic.replication.factor": "2",
      "errors.deadletterqueue.context.headers.enable": "true",
    });
    expect(config.topics.split(",")).not.to.include(config["errors.deadletterqueue.topic.name"]);
  });

  it("the file name template uses only variables the topic-partition grouper supports", () => {
    // FilenameTemplateVariable (key, topic, partition, start_offset, timestamp) and RecordGrouperFactory's
    // TOPIC_PARTITION_RECORD grouper: topic, partition and start_offset required.
    const variables = [...config["file.name.template"].matchAll(/\{\{\s*([a-z_]+)[^}]*\}\}/g)].map(
      (match) => match[1],
    );
    expect(new Set(variables)).to.deep.equal(new Set(["topic", "partition", "start_offset"]));
  });
});
