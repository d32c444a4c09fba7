// `PUT /streams/{stream}/record` and `/records`: API Gateway's Kinesis integration, forwarded to the local Kinesis server.
// As the cloud mapping templates do, each record's Data is the JSON text of the body's "Data" value.
import { PutRecordCommand, PutRecordsCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import { kinesisClient } from "../kinesis-client";
import { KINESIS_LIMITS } from "../../contract/wire";
import { HttpError, parseJsonObject } from "./http";

const {
  recordsPerPut: MAX_RECORDS_PER_PUT,
  recordBytes: MAX_RECORD_BYTES,
  putBytes: MAX_PUT_BYTES,
  partitionKeyLength: MAX_PARTITION_KEY_LENGTH,
} = KINESIS_LIMITS;

export interface KinesisRecordInput {
  data: string;
  partitionKey: string;
}

const badRequest = (message: string): HttpError =>
  new HttpError(400, { __type: "ValidationException", message });

function recordOf(entry: Record<string, unknown>, where: string): KinesisRecordInput {
  if (!("Data" in entry) || entry.Data === undefined)
    throw badRequest(`${where} must have "Data" (the row as JSON)`);
  const key = entry.PartitionKey;
  if (typeof key !== "string" || key.length === 0 || key.length > MAX_PARTITION_KEY_LENGTH) {
    throw badRequest(
      `${where} must have "PartitionKey", a string of 1 to ${MAX_PARTITION_KEY_LENGTH} characters`,
    );
  }
  const data = JSON.stringify(entry.Data);
  const bytes = Buffer.byteLength(data) + Buffer.byteLength(key);
  if (bytes > MAX_RECORD_BYTES) {
    throw badRequest(
      `${where} is ${bytes} bytes (Data + PartitionKey); Kinesis takes at most ${MAX_RECORD_BYTES} bytes per record`,
    );
  }
  return { data, partitionKey: key };
}

function checkStreamName(body: Record<string, unknown>, stream: string): void {
  if (body.StreamName !== undefined && body.StreamName !== stream) {
    throw badRequest(
      `"StreamName" ${JSON.stringify(body.StreamName)} differs from the stream in the path, "${stream}"`,
    );
  }
}

/** {"StreamName"?, "Data": row, "PartitionKey": k} */
export function parsePutRecordBody(text: string, stream: string): KinesisRecordInput {
  const body = parseJsonObject(text, badRequest);
  checkStreamName(body, stream);
  return recordOf(body, "body");
}

/** {"StreamName"?, "Records": [{"Data": row, "PartitionKey": k}, ...]} with 1 to 500 records. */
export function parsePutRecordsBody(text: string, stream: string): KinesisRecordInput[] {
  const body = parseJsonObject(text, badRequest);
  checkStreamName(body, stream);
  const records = body.Records;
  if (!Array.isArray(records) || records.length === 0 || records.length > MAX_RECORDS_PER_PUT) {
    throw badRequest(`body must have "Records", an array of 1 to ${MAX_RECORDS_PER_PUT} records`);
  }
  const parsed = records.map((entry: unknown, index) => {
    if (typeof entry !== "object" || entry === null) throw badRequest(`Records[${index}] must be an object`);
    return recordOf(entry as Record<string, unknown>, `Records[${index}]`);
  });
  const bytes = parsed.reduce(
    (sum, record) => sum + Buffer.byteLength(record.data) + Buffer.byteLength(record.partitionKey),
    0,
  );
  if (bytes > MAX_PUT_BYTES) {
    throw new HttpError(400, {
      __type: "InvalidArgumentException",
      message: `the records are ${bytes} bytes; Kinesis takes at most ${MAX_PUT_BYTES} bytes per PutRecords call`,
    });
  }
  return parsed;
}

function kinesisFailure(error: unknown): HttpError {
  const failure = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = failure.$metadata?.httpStatusCode;
  return new HttpError(status && status >= 400 && status < 500 ? status : 503, {
    __type: failure.name ?? "ServiceUnavailable",
    message: `Kinesis did not accept the records: ${failure.message ?? String(error)}`,
  });
}

export class KinesisForwarder {
  private readonly client: KinesisClient;

  // moto's Shard.put_record is "not safe for concurrency" (moto 5.2.5, moto/kinesis/models.py:136-146): two puts
  // at once can get the same sequence number, and one of them is lost. So the gateway sends every put, PutRecord
  // and PutRecords alike, one at a time to the local Kinesis server.
  private queue: Promise<unknown> = Promise.resolve();

  constructor(endpoint: string) {
    this.client = kinesisClient(endpoint);
  }

  private oneAtATime<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task, task);
    this.queue = result.catch(() => undefined);
    return result;
  }

  async putRecord(
    stream: string,
    record: KinesisRecordInput,
  ): Promise<{ SequenceNumber?: string; ShardId?: string }> {
    try {
      const result = await this.oneAtATime(() =>
        this.client.send(
          new PutRecordCommand({
            StreamName: stream,
            Data: Buffer.from(record.data),
            PartitionKey: record.partitionKey,
          }),
        ),
      );
      return { SequenceNumber: result.SequenceNumber, ShardId: result.ShardId };
    } catch (error) {
      throw kinesisFailure(error);
    }
  }

  async putRecords(
    stream: string,
    records: KinesisRecordInput[],
  ): Promise<{ FailedRecordCount: number; Records: Record<string, string | undefined>[] }> {
    try {
      const result = await this.oneAtATime(() =>
        this.client.send(
          new PutRecordsCommand({
            StreamName: stream,
            Records: records.map((record) => ({
              Data: Buffer.from(record.data),
              PartitionKey: record.partitionKey,
            })),
          }),
        ),
      );
      const entries = (result.Records ?? []).map((entry) =>
        entry.ErrorCode
          ? { ErrorCode: entry.ErrorCode, ErrorMessage: entry.ErrorMessage }
          : { SequenceNumber: entry.SequenceNumber, ShardId: entry.ShardId },
      );
      return { FailedRecordCount: result.FailedRecordCount ?? 0, Records: entries };
    } catch (error) {
      throw kinesisFailure(error);
    }
  }

  close(): void {
    this.client.destroy();
  }
}
