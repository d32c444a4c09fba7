// Configuration of the Aiven S3 sink connector: the three topics as JSON lines under
// `topics/{topic}/partition={n}/` of the data bucket (DATA-CONTRACT section 3).

export const S3_SINK_CONNECTOR_CLASS = "io.aiven.kafka.connect.s3.AivenKafkaConnectS3SinkConnector";

export interface S3SinkInput {
  topics: string[];
  bucketName: string;
  region: string;
  /** Kafka Connect tasks; at most the topics' partition count is useful. */
  maxTasks: number;
}

/** `{{topic}}`, `{{partition}}` and `{{start_offset}}` are the connector's file name variables. */
export const S3_SINK_FILE_NAME_TEMPLATE =
  "topics/{{topic}}/partition={{partition}}/{{topic}}+{{partition}}+{{start_offset}}.json";

export function s3SinkConnectorConfig(input: S3SinkInput): Record<string, string> {
  return {
    "connector.class": S3_SINK_CONNECTOR_CLASS,
    "tasks.max": String(input.maxTasks),
    topics: input.topics.join(","),
    "aws.s3.bucket.name": input.bucketName,
    "aws.s3.region": input.region,
    "file.name.template": S3_SINK_FILE_NAME_TEMPLATE,
    "file.compression.type": "none",
    "format.output.type": "jsonl",
    "format.output.fields": "value",
    "format.output.fields.value.encoding": "none",
    // One bare record value per line (DATA-CONTRACT section 3), not wrapped as {"value": ...}.
    "format.output.envelope": "false",
    "key.converter": "org.apache.kafka.connect.storage.StringConverter",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter.schemas.enable": "false",
    // A record that is not JSON must not stop the sink; Connect logs and skips it.
    "errors.tolerance": "all",
    "errors.log.enable": "true",
  };
}
