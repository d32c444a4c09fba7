// Configuration of the Aiven S3 sink connector: the three topics as JSON lines under
// the sink folder of each topic in the data bucket (docs/contract.md, at rest in S3).
import { sinkObjectKey } from "../contract";

export const S3_SINK_CONNECTOR_CLASS = "io.aiven.kafka.connect.s3.AivenKafkaConnectS3SinkConnector";

export interface S3SinkInput {
  topics: string[];
  bucketName: string;
  region: string;
  /** Kafka Connect tasks; at most the topics' partition count is useful. */
  maxTasks: number;
  /**
   * The role the connector assumes to write the bucket. Aiven's sink 2.15.0 takes either static keys or an
   * STS role; it calls STS with the default credential chain, which on MSK Connect is the service execution
   * role, so no key exists anywhere.
   */
  writerRoleArn: string;
  /** STS session name: shows in CloudTrail which connector wrote. */
  sessionName: string;
  /** Topic the records the sink cannot convert go to (created by the program, like the pipeline's topics). */
  deadLetterTopic: string;
  deadLetterReplicationFactor: number;
}

/** `{{topic}}`, `{{partition}}` and `{{start_offset}}` are the connector's file name variables. */
export const S3_SINK_FILE_NAME_TEMPLATE = sinkObjectKey({
  topic: "{{topic}}",
  partition: "{{partition}}",
  startOffset: "{{start_offset}}",
});

export function s3SinkConnectorConfig(input: S3SinkInput): Record<string, string> {
  return {
    "connector.class": S3_SINK_CONNECTOR_CLASS,
    "tasks.max": String(input.maxTasks),
    topics: input.topics.join(","),
    "aws.s3.bucket.name": input.bucketName,
    "aws.s3.region": input.region,
    "aws.sts.role.arn": input.writerRoleArn,
    "aws.sts.role.session.name": input.sessionName,
    // The regional endpoint, signed for aws.s3.region: no traffic to the global STS endpoint in us-east-1.
    "aws.sts.config.endpoint": `https://sts.${input.region}.amazonaws.com`,
    "file.name.template": S3_SINK_FILE_NAME_TEMPLATE,
    "file.compression.type": "none",
    "format.output.type": "jsonl",
    "format.output.fields": "value",
    "format.output.fields.value.encoding": "none",
    // One bare record value per line (docs/contract.md section 3), not wrapped as {"value": ...}.
    "format.output.envelope": "false",
    "key.converter": "org.apache.kafka.connect.storage.StringConverter",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter.schemas.enable": "false",
    // A record that is not JSON must not stop the sink: Connect logs it and sends it to the dead-letter topic,
    // with the error in its headers (Kafka Connect's sink settings errors.deadletterqueue.*, SinkConnectorConfig
    // of apache/kafka 3.7, KIP-298), so it is kept, not dropped.
    "errors.tolerance": "all",
    "errors.log.enable": "true",
    "errors.deadletterqueue.topic.name": input.deadLetterTopic,
    "errors.deadletterqueue.topic.replication.factor": String(input.deadLetterReplicationFactor),
    "errors.deadletterqueue.context.headers.enable": "true",
  };
}
