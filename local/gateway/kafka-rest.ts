// `POST /topics/{topic}`: the produce call of the Kafka REST Proxy API v2 (JSON embedded format), sent to Kafka.
import { Kafka, logLevel, Partitioners, type Message, type Producer } from "kafkajs";
import { KAFKA_JSON_CONTENT_TYPE } from "../../contract/wire";
import { HttpError, parseJsonObject } from "./http";

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

// The REST proxy answers errors as {"error_code", "message"}: 400 for text that is not JSON (rest-utils'
// JsonParseExceptionMapper, confluentinc/rest-utils: core/src/main/java/io/confluent/rest/exceptions/), 422 for
// JSON it cannot use.
const malformed = (message: string): HttpError => new HttpError(400, { error_code: 400, message });
const unprocessable = (message: string): HttpError => new HttpError(422, { error_code: 422, message });

export function checkContentType(contentType: string | undefined): void {
  const mediaType = (contentType ?? "").split(";")[0].trim().toLowerCase();
  if (mediaType !== KAFKA_JSON_CONTENT_TYPE) {
    throw new HttpError(415, {
      error_code: 415,
      message: `Content-Type must be ${KAFKA_JSON_CONTENT_TYPE} (got ${contentType ? `"${contentType}"` : "none"})`,
    });
  }
}

/** Validates a produce body: {"records": [{"value": ...}, ...]} with at least one record, partitions below `partitions`. */
export function parseProduceBody(text: string, partitions: number): ProduceRecord[] {
  const body = parseJsonObject(text, malformed, unprocessable);
  const records = body.records;
  if (!Array.isArray(records) || records.length === 0)
    throw unprocessable('body must have a non-empty "records" array');
  records.forEach((record: unknown, index) => {
    if (typeof record !== "object" || record === null || !("value" in record)) {
      throw unprocessable(`records[${index}] must be an object with a "value"`);
    }
    const partition = (record as ProduceRecord).partition;
    if (
      partition !== undefined &&
      !(Number.isInteger(partition) && partition >= 0 && partition < partitions)
    ) {
      throw unprocessable(
        `records[${index}].partition ${JSON.stringify(partition)} does not exist: the topic has partitions 0 to ${partitions - 1}`,
      );
    }
  });
  return records as ProduceRecord[];
}

// What a record costs in a record batch beside its key and value: the batch header (61 bytes) is paid once per
// batch, each record adds at most ~21 bytes of varints and attributes (Kafka's DefaultRecord, KIP-98).
const BATCH_OVERHEAD_BYTES = 61;
const RECORD_OVERHEAD_BYTES = 32;

/** A message as it goes to Kafka, with its partition chosen and its size in a record batch. */
interface Outgoing {
  message: Message & { partition: number };
  bytes: number;
}

/**
 * Splits the messages into sends whose record batch for any one partition stays within `maxBatchBytes` (the
 * broker's message.max.bytes), so a large request is written in parts instead of being refused by the broker.
 * A single message that cannot fit is a 413: no retry can make it fit.
 */
export function splitForBroker(messages: Outgoing[], maxBatchBytes: number): Outgoing[][] {
  const sends: Outgoing[][] = [];
  let current: Outgoing[] = [];
  const perPartition = new Map<number, number>();
  for (const [index, outgoing] of messages.entries()) {
    if (BATCH_OVERHEAD_BYTES + outgoing.bytes > maxBatchBytes) {
      throw new HttpError(413, {
        error_code: 413,
        message: `records[${index}] is ${outgoing.bytes} bytes; the broker accepts at most ${maxBatchBytes - BATCH_OVERHEAD_BYTES} bytes per record (message.max.bytes ${maxBatchBytes})`,
      });
    }
    const partition = outgoing.message.partition;
    const used = perPartition.get(partition) ?? BATCH_OVERHEAD_BYTES;
    if (used + outgoing.bytes > maxBatchBytes) {
      sends.push(current);
      current = [];
      perPartition.clear();
    }
    current.push(outgoing);
    perPartition.set(partition, (perPartition.get(partition) ?? BATCH_OVERHEAD_BYTES) + outgoing.bytes);
  }
  if (current.length > 0) sends.push(current);
  return sends;
}

/** The error and the errors that caused it (kafkajs wraps a broker's answer in retry errors). */
function causes(error: unknown): { type?: string }[] {
  const chain: { type?: string }[] = [];
  for (
    let cause = error as { type?: string; cause?: unknown } | undefined;
    cause;
    cause = cause.cause as never
  )
    chain.push(cause);
  return chain;
}

function isMessageTooLarge(error: unknown): boolean {
  return causes(error).some(
    (cause) => cause.type === "MESSAGE_TOO_LARGE" || cause.type === "RECORD_LIST_TOO_LARGE",
  );
}

/**
 * A Kafka producer with the delivery settings of the REST proxy in the cloud: acks=all, idempotent.
 *
 * After a failed send the producer is dropped and the next request gets a new one, with a new producer id. The
 * broker may have written what failed (its answer lost in a restart), but kafkajs 2.2.4 takes the batch's sequence
 * numbers back when a produce fails (producer/sendMessages.js) and sends the next records with them: the broker
 * takes those, if of the same count, for a resend and drops them while answering success, or else refuses them
 * with OUT_OF_ORDER_SEQUENCE_NUMBER for good (tulios/kafkajs#598). Reconnecting does not help: connect()
 * initializes the producer id only once (producer/index.js). Java's producer bumps its epoch instead (KIP-360).
 */
export class KafkaForwarder {
  private readonly kafka: Kafka;
  private connected: Promise<Producer> | undefined;
  // Chooses each record's partition as the REST proxy's Java producer does: by the key's murmur2 hash, or in
  // turn when there is no key (kafkajs' DefaultPartitioner is the Java client's algorithm).
  private readonly partitioner = Partitioners.DefaultPartitioner();

  constructor(
    bootstrap: string,
    private readonly partitions: number,
    private readonly maxBatchBytes: number,
  ) {
    this.kafka = new Kafka({
      clientId: "local-gateway",
      brokers: [bootstrap],
      logLevel: logLevel.NOTHING,
      // Rides out a broker restart of a few seconds before the gateway answers 503 and the client retries.
      retry: { initialRetryTime: 300, maxRetryTime: 3_000, retries: 5 },
    });
  }

  private producer(): Promise<Producer> {
    this.connected ??= (async () => {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
      });
      await producer.connect();
      return producer;
    })();
    return this.connected;
  }

  /** Drops the producer that failed, unless another request replaced it already. */
  private discard(failed: Promise<Producer>): void {
    if (this.connected !== failed) return;
    this.connected = undefined;
    failed.then((producer) => producer.disconnect()).catch(() => undefined);
  }

  private outgoing(topic: string, records: ProduceRecord[]): Outgoing[] {
    const partitionMetadata = Array.from({ length: this.partitions }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      partitionErrorCode: 0,
      replicas: [0],
      isr: [0],
    }));
    return records.map((record) => {
      const key = record.key === undefined || record.key === null ? null : JSON.stringify(record.key);
      const value = JSON.stringify(record.value);
      const partition = this.partitioner({
        topic,
        partitionMetadata,
        message: { key, value, partition: record.partition },
      });
      return {
        message: { key, value, partition },
        bytes: Buffer.byteLength(value) + (key === null ? 0 : Buffer.byteLength(key)) + RECORD_OVERHEAD_BYTES,
      };
    });
  }

  async produce(topic: string, records: ProduceRecord[]): Promise<ProduceResponse> {
    const outgoing = this.outgoing(topic, records);
    const sends = splitForBroker(outgoing, this.maxBatchBytes);
    const offsetOf = new Map<Outgoing, number>();
    for (const send of sends) {
      const producer = this.producer();
      try {
        const results = await (
          await producer
        ).send({ topic, acks: -1, messages: send.map((item) => item.message) });
        const next = new Map(results.map((result) => [result.partition, Number(result.baseOffset)]));
        for (const item of send) {
          const offset = next.get(item.message.partition)!;
          offsetOf.set(item, offset);
          next.set(item.message.partition, offset + 1);
        }
      } catch (error) {
        if (isMessageTooLarge(error)) {
          throw new HttpError(413, {
            error_code: 413,
            message: `Kafka refused the records as too large (message.max.bytes ${this.maxBatchBytes}): ${(error as Error).message}`,
          });
        }
        this.discard(producer);
        throw new HttpError(503, {
          error_code: 50302,
          message: `Kafka did not accept the records: ${(error as Error).message}`,
        });
      }
    }
    return {
      offsets: outgoing.map((item) => ({
        partition: item.message.partition,
        offset: offsetOf.get(item)!,
        error_code: null,
        error: null,
      })),
      key_schema_id: null,
      value_schema_id: null,
    };
  }

  async close(): Promise<void> {
    const producer = this.connected;
    this.connected = undefined;
    await producer?.then((connected) => connected.disconnect()).catch(() => undefined);
  }
}
