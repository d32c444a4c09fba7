// Records on the wire (docs/contract.md section 2): the source row as JSON, datetimes in ISO-8601.
import type { Table } from "../contract";
import { partitionKeyOf, type ProduceBody, type PutRecordBody, type PutRecordsBody } from "../contract/wire";
import { keyOf, type SourceRow } from "./rows";

export type WireRecord = Record<string, string | number | null>;

const DATETIME_COLUMNS: ReadonlySet<string> = new Set(["timestamp", "date_joined"]);

/** `2020-08-28 03:52:47` becomes `2020-08-28T03:52:47`; every other value is kept as it is. */
export function toWire(row: SourceRow): WireRecord {
  const out: WireRecord = {};
  for (const [column, value] of Object.entries(row)) {
    out[column] = DATETIME_COLUMNS.has(column) && typeof value === "string" ? value.replace(" ", "T") : value;
  }
  return out;
}

/** Key of a wire record: `index` for pin, `ind` for geo and user. */
export function wireKey(record: WireRecord): number {
  return keyOf(record as unknown as SourceRow);
}

export function partitionKey(table: Table, record: WireRecord): string {
  return partitionKeyOf(table, wireKey(record));
}

export function kafkaBody(records: readonly WireRecord[]): ProduceBody<WireRecord> {
  return { records: records.map((value) => ({ value })) };
}

export function kinesisRecordBody(
  stream: string,
  table: Table,
  record: WireRecord,
): PutRecordBody<WireRecord> {
  return { StreamName: stream, Data: record, PartitionKey: partitionKey(table, record) };
}

export function kinesisRecordsBody(
  stream: string,
  table: Table,
  records: readonly WireRecord[],
): PutRecordsBody<WireRecord> {
  return {
    StreamName: stream,
    Records: records.map((record) => ({ Data: record, PartitionKey: partitionKey(table, record) })),
  };
}
