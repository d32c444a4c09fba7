// The HTTP wire contract of the ingest API (docs/contract.md section 2): the Kafka REST content type, the request
// bodies' shapes and the JSON Schemas API Gateway checks them with, Kinesis' limits on them, and the partition-key
// rule. The emulator writes these bodies, infra/ingestApi.ts serves them, and local mode's gateway reads them.
import type { Table } from "./index";

/** Content type of Kafka REST v2 produce requests with JSON-embedded values. */
export const KAFKA_JSON_CONTENT_TYPE = "application/vnd.kafka.json.v2+json";

/** Kinesis' limits on what one request carries (Kinesis API reference, PutRecord and PutRecords). */
export const KINESIS_LIMITS = {
  /** Records per PutRecords call. */
  recordsPerPut: 500,
  /** Bytes of one record, Data plus PartitionKey. */
  recordBytes: 1024 * 1024,
  /** Bytes of one PutRecords call. */
  putBytes: 5 * 1024 * 1024,
  partitionKeyLength: 256,
} as const;

/** A record's partition key: its table and its key, e.g. `pin-7528`, so that one key's updates stay in order. */
export function partitionKeyOf(table: Table, key: number | string): string {
  return `${table}-${key}`;
}

/** Body of `POST {apiUrl}/topics/{topic}`. */
export interface ProduceBody<Value = unknown> {
  records: { value: Value }[];
}

/** Body of `PUT {apiUrl}/streams/{stream}/record`. */
export interface PutRecordBody<Data = unknown> {
  StreamName: string;
  Data: Data;
  PartitionKey: string;
}

/** Body of `PUT {apiUrl}/streams/{stream}/records`. */
export interface PutRecordsBody<Data = unknown> {
  StreamName: string;
  Records: { Data: Data; PartitionKey: string }[];
}

type JsonSchema = Record<string, unknown>;

/** Kinesis' own bounds on a partition key (1 to 256 Unicode characters, its API reference for PutRecord). */
const PARTITION_KEY_SCHEMA: JsonSchema = {
  type: "string",
  minLength: 1,
  maxLength: KINESIS_LIMITS.partitionKeyLength,
};

/**
 * JSON schemas (draft 4, what API Gateway models use) of the request bodies, checked by API Gateway before
 * the request reaches the REST proxy or Kinesis, so a malformed body gets a 400 from the gateway.
 */
export const REQUEST_BODY_SCHEMAS: Record<"produce" | "PutRecord" | "PutRecords", JsonSchema> = {
  produce: {
    $schema: "http://json-schema.org/draft-04/schema#",
    type: "object",
    required: ["records"],
    properties: {
      records: { type: "array", minItems: 1, items: { type: "object", required: ["value"] } },
    },
  },
  PutRecord: {
    $schema: "http://json-schema.org/draft-04/schema#",
    type: "object",
    required: ["Data", "PartitionKey"],
    properties: { PartitionKey: PARTITION_KEY_SCHEMA },
  },
  PutRecords: {
    $schema: "http://json-schema.org/draft-04/schema#",
    type: "object",
    required: ["Records"],
    properties: {
      Records: {
        type: "array",
        minItems: 1,
        items: {
          type: "object",
          required: ["Data", "PartitionKey"],
          properties: { PartitionKey: PARTITION_KEY_SCHEMA },
        },
      },
    },
  },
};
