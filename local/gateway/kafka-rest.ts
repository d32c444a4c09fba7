// `POST /topics/{topic}`: the produce call of the Kafka REST Proxy API v2 (JSON embedded format), sent to Kafka.
import { Kafka, logLevel, type Producer } from "kafkajs";
import { HttpError, parseJsonObject } from "./http";

export const KAFKA_JSON_V2 = "application/vnd.kafka.json.v2+json";

export interface ProduceRecord {
  value: unknown;
  key?: unknown;
  partition?: number;
}

export interface ProduceResponse {
  offsets: { partition: number; offset: number; error_code: null; error: null }[];
  key_schema_id: null;
  value_schema_id: null;
}

// The REST proxy answers errors as {"error_code", "message"}; 422 for a body it cannot use.
const unprocessable = (message: string): HttpError => new HttpError(422, { error_code: 422, message });

export function checkContentType(contentType: string | undefined): void {
  const mediaType = (contentType ?? "").split(";")[0].trim().toLowerCase();
  if (mediaType !== KAFKA_JSON_V2) {
    throw new HttpError(415, {
      error_code: 415,
      message: `Content-Type must be ${KAFKA_JSON_V2} (got ${contentType ? `"${contentType}"` : "none"})`,
    });
  }
}

/** Validates a produce body: {"records": [{"value": ...}, ...]} with at least one record. */
export function parseProduceBody(text: string): ProduceRecord[] {
  const body = parseJsonObject(text, unprocessable);
  const records = body.records;
  if (!Array.isArray(records) || records.length === 0)
    throw unprocessable('body must have a non-empty "records" array');
  records.forEach((record: unknown, index) => {
    if (typeof record !== "object" || record === null || !("value" in record)) {
      throw unprocessable(`records[${index}] must be an object with a "value"`);
    }
    const partition = (record as ProduceRecord).partition;
    if (partition !== undefined && partition !== 0) {
      throw unprocessable(
        `records[${index}].partition ${JSON.stringify(partition)} does not exist: local topics have one partition, 0`,
      );
    }
  });
  return records as ProduceRecord[];
}

/** A Kafka producer with the delivery settings of the REST proxy in the cloud: acks=all, idempotent. */
export class KafkaForwarder {
  private readonly producer: Producer;
  private connecting: Promise<void> | undefined;

  constructor(bootstrap: string) {
    this.producer = new Kafka({
      clientId: "local-gateway",
      brokers: [bootstrap],
      logLevel: logLevel.NOTHING,
      // Rides out a broker restart of a few seconds before the gateway answers 503 and the client retries.
      retry: { initialRetryTime: 300, maxRetryTime: 3_000, retries: 5 },
    }).producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  }

  async produce(topic: string, records: ProduceRecord[]): Promise<ProduceResponse> {
    try {
      this.connecting ??= this.producer.connect();
      await this.connecting;
      const [result] = await this.producer.send({
        topic,
        acks: -1,
        messages: records.map((record) => ({
          partition: 0,
          key: record.key === undefined || record.key === null ? null : JSON.stringify(record.key),
          value: JSON.stringify(record.value),
        })),
      });
      const base = Number(result.baseOffset);
      return {
        offsets: records.map((_, index) => ({
          partition: 0,
          offset: base + index,
          error_code: null,
          error: null,
        })),
        key_schema_id: null,
        value_schema_id: null,
      };
    } catch (error) {
      this.connecting = undefined;
      throw new HttpError(503, {
        error_code: 50302,
        message: `Kafka did not accept the records: ${(error as Error).message}`,
      });
    }
  }

  async close(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
  }
}
