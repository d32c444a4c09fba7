"""`local-kinesis`: a Structured Streaming source for a Kinesis API server reached by endpoint URL (local mode).

It yields the same columns as the Databricks `kinesis` source (partitionKey, data, stream, shardId,
sequenceNumber, approximateArrivalTimestamp), so that the code after the source is the same in both worlds.
Offsets are the last sequence number read in each shard, so a restart from the checkpoint resumes exactly there.

Options: streamName, endpoint, region, initialPosition (trim_horizon | latest), maxRecordsPerShard (the most
records one micro-batch takes from a shard, default 10000), readUntil (epoch seconds: records that arrived
later are left for a later run; the stream job's available-now mode sets it to the run's start).
Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from the environment, else the dummy pair a local server
accepts ("test"/"test"); this source is for local servers only.
"""

import os
import time
from collections.abc import Iterator
from datetime import datetime

from pyspark.sql.datasource import DataSource, SimpleDataSourceStreamReader

SCHEMA = (
    "partitionKey string, data binary, stream string, shardId string, sequenceNumber string, "
    "approximateArrivalTimestamp timestamp"
)
INITIAL_POSITIONS = ("trim_horizon", "latest")
DEFAULT_MAX_RECORDS_PER_SHARD = 10000
# GetRecords returns at most 10,000 records per call:
# https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html (Limit, maximum 10000).
GET_RECORDS_PAGE = 10000


def kinesis_client(endpoint: str, region: str):
    import boto3

    return boto3.client(
        "kinesis",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "test"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "test"),
    )


class LocalKinesisDataSource(DataSource):
    @classmethod
    def name(cls) -> str:
        return "local-kinesis"

    def schema(self) -> str:
        return SCHEMA

    def simpleStreamReader(self, schema) -> "LocalKinesisReader":
        return LocalKinesisReader(self.options)


class LocalKinesisReader(SimpleDataSourceStreamReader):
    def __init__(self, options: dict) -> None:
        self.stream = options["streamName"]
        self.endpoint = options["endpoint"]
        self.region = options.get("region", "us-east-1")
        self.initial_position = options.get("initialPosition", "trim_horizon").lower()
        self.max_records = int(options.get("maxRecordsPerShard", str(DEFAULT_MAX_RECORDS_PER_SHARD)))
        self.read_until = float(options["readUntil"]) if options.get("readUntil") else None
        self._client = None

    @property
    def client(self):
        if self._client is None:
            self._client = kinesis_client(self.endpoint, self.region)
        return self._client

    def initialOffset(self) -> dict:
        """No shard read yet; `since` marks where a `latest` start begins (None: the oldest record kept)."""
        since = time.time() if self.initial_position == "latest" else None
        return {"shards": {}, "since": since}

    def read(self, start: dict) -> tuple[Iterator[tuple], dict]:
        rows: list[tuple] = []
        shards = dict(start["shards"])
        for shard_id in self._shard_ids():
            shard_rows = self._read_shard(shard_id, start, stop_after=None, until=self.read_until)
            if shard_rows:
                shards[shard_id] = shard_rows[-1][4]
            rows.extend(shard_rows)
        return iter(rows), {"shards": shards, "since": start["since"]}

    def readBetweenOffsets(self, start: dict, end: dict) -> Iterator[tuple]:
        """Replays exactly the records after `start` up to `end`, shard by shard (after a restart)."""
        rows: list[tuple] = []
        for shard_id, last in end["shards"].items():
            if start["shards"].get(shard_id) != last:
                rows.extend(self._read_shard(shard_id, start, stop_after=last))
        return iter(rows)

    def commit(self, end: dict) -> None:
        """Kinesis keeps records until they expire; nothing to release."""

    def _shard_ids(self) -> list[str]:
        shard_ids, token = [], None
        while True:
            page = (
                self.client.list_shards(NextToken=token)
                if token
                else self.client.list_shards(StreamName=self.stream)
            )
            shard_ids.extend(shard["ShardId"] for shard in page["Shards"])
            token = page.get("NextToken")
            if not token:
                return shard_ids

    def _iterator(self, shard_id: str, start: dict) -> str:
        args = {"StreamName": self.stream, "ShardId": shard_id}
        after = start["shards"].get(shard_id)
        if after is not None:
            args.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=after)
        elif start.get("since") is not None:
            args.update(ShardIteratorType="AT_TIMESTAMP", Timestamp=datetime.fromtimestamp(start["since"]))
        else:
            args.update(ShardIteratorType="TRIM_HORIZON")
        return self.client.get_shard_iterator(**args)["ShardIterator"]

    def _read_shard(
        self, shard_id: str, start: dict, stop_after: str | None, until: float | None = None
    ) -> list[tuple]:
        """Records after the start offset: up to `stop_after` when replaying (however many), else up to
        maxRecordsPerShard and, with `until`, only those that arrived by then (in a shard, in arrival order)."""
        rows: list[tuple] = []
        limit = None if stop_after is not None else self.max_records
        iterator = self._iterator(shard_id, start)
        while iterator and (limit is None or len(rows) < limit):
            page_limit = GET_RECORDS_PAGE if limit is None else min(GET_RECORDS_PAGE, limit - len(rows))
            page = self.client.get_records(ShardIterator=iterator, Limit=page_limit)
            for record in page["Records"]:
                sequence = record["SequenceNumber"]
                if stop_after is not None and int(sequence) > int(stop_after):
                    return rows
                arrived = record.get("ApproximateArrivalTimestamp")
                if until is not None and arrived is not None and arrived.timestamp() > until:
                    return rows
                rows.append(
                    (
                        record["PartitionKey"],
                        bytes(record["Data"]),
                        self.stream,
                        shard_id,
                        sequence,
                        record.get("ApproximateArrivalTimestamp"),
                    )
                )
                if sequence == stop_after:
                    return rows
            if not page["Records"]:
                break
            iterator = page.get("NextShardIterator")
        return rows
