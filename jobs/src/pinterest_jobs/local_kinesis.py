"""`local-kinesis`: a Structured Streaming source for a Kinesis API server reached by endpoint URL (local mode).

It yields the same columns as the Databricks `kinesis` source (partitionKey, data, stream, shardId,
sequenceNumber, approximateArrivalTimestamp), and like it takes a comma-separated `streamName`, so that the code
after the source is the same in both worlds. Offsets are the last sequence number read in each shard of each
stream, so a restart from the checkpoint resumes exactly there.

A trigger reads every shard of every stream at once, in a thread pool, and keeps each shard's next iterator for
the next trigger: a trigger that finds nothing new costs one GetRecords per shard, in parallel. The shard list is
asked for again every SHARD_LIST_SECONDS.

Options: streamName (one or more, comma-separated), endpoint, region, initialPosition (trim_horizon | latest),
maxRecordsPerShard (the most records one micro-batch takes from a shard, default 10000), readUntil (epoch
seconds: records that arrived later are left for a later run; the stream job's available-now mode sets it to the
run's start).
Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from the environment, else the dummy pair a local server
accepts ("test"/"test"); this source is for local servers only.
"""

import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
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
SHARD_LIST_SECONDS = 30
READ_THREADS = 16


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
        self.streams = [name.strip() for name in options["streamName"].split(",") if name.strip()]
        self.endpoint = options["endpoint"]
        self.region = options.get("region", "us-east-1")
        self.initial_position = options.get("initialPosition", "trim_horizon").lower()
        self.max_records = int(options.get("maxRecordsPerShard", str(DEFAULT_MAX_RECORDS_PER_SHARD)))
        self.read_until = float(options["readUntil"]) if options.get("readUntil") else None
        self._client = None
        self._pool: ThreadPoolExecutor | None = None
        self._shards: list[tuple[str, str]] = []
        self._shards_listed_at = float("-inf")
        # Per shard: (the sequence number the iterator reads after, the iterator), from the last read.
        self._next: dict[str, tuple[str | None, str]] = {}

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
        shards = dict(start["shards"])
        reads = self._in_parallel(
            lambda stream, shard_id: self._read_shard(stream, shard_id, start, stop_after=None),
            self._shard_list(),
        )
        rows: list[tuple] = []
        for (stream, shard_id), shard_rows in reads:
            if shard_rows:
                shards[shard_key(stream, shard_id)] = shard_rows[-1][4]
            rows.extend(shard_rows)
        return iter(rows), {"shards": shards, "since": start["since"]}

    def readBetweenOffsets(self, start: dict, end: dict) -> Iterator[tuple]:
        """Replays exactly the records after `start` up to `end`, shard by shard (after a restart)."""
        changed = [
            split_shard_key(key)
            for key, last in sorted(end["shards"].items())
            if start["shards"].get(key) != last
        ]
        reads = self._in_parallel(
            lambda stream, shard_id: self._read_shard(
                stream, shard_id, start, stop_after=end["shards"][shard_key(stream, shard_id)]
            ),
            changed,
        )
        return iter([row for _, shard_rows in reads for row in shard_rows])

    def commit(self, end: dict) -> None:
        """Kinesis keeps records until they expire; nothing to release."""

    def _in_parallel(self, read, shards: list[tuple[str, str]]) -> list[tuple[tuple[str, str], list[tuple]]]:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=READ_THREADS)
        futures = [(shard, self._pool.submit(read, *shard)) for shard in shards]
        return [(shard, future.result()) for shard, future in futures]

    def _shard_list(self) -> list[tuple[str, str]]:
        if time.monotonic() - self._shards_listed_at > SHARD_LIST_SECONDS:
            self._shards = [
                (stream, shard_id) for stream in self.streams for shard_id in self._shard_ids(stream)
            ]
            self._shards_listed_at = time.monotonic()
        return self._shards

    def _shard_ids(self, stream: str) -> list[str]:
        shard_ids, token = [], None
        while True:
            page = (
                self.client.list_shards(NextToken=token)
                if token
                else self.client.list_shards(StreamName=stream)
            )
            shard_ids.extend(shard["ShardId"] for shard in page["Shards"])
            token = page.get("NextToken")
            if not token:
                return shard_ids

    def _iterator(self, stream: str, shard_id: str, start: dict) -> str:
        args = {"StreamName": stream, "ShardId": shard_id}
        after = start["shards"].get(shard_key(stream, shard_id))
        if after is not None:
            args.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=after)
        elif start.get("since") is not None:
            args.update(ShardIteratorType="AT_TIMESTAMP", Timestamp=datetime.fromtimestamp(start["since"]))
        else:
            args.update(ShardIteratorType="TRIM_HORIZON")
        return self.client.get_shard_iterator(**args)["ShardIterator"]

    def _kept_iterator(self, stream: str, shard_id: str, start: dict) -> str:
        """The iterator the last read left at exactly this start offset, else a new one."""
        key = shard_key(stream, shard_id)
        kept = self._next.pop(key, None)
        if kept is not None and kept[0] == start["shards"].get(key):
            return kept[1]
        return self._iterator(stream, shard_id, start)

    def _get_records(self, stream: str, shard_id: str, position: dict, iterator: str, limit: int) -> dict:
        """One GetRecords; an expired iterator is replaced by a new one at `position` (the records read so far)."""
        from botocore.exceptions import ClientError

        try:
            return self.client.get_records(ShardIterator=iterator, Limit=limit)
        except ClientError as error:
            # A kept iterator expires after 5 minutes unused
            # (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetShardIterator.html).
            if error.response["Error"]["Code"] != "ExpiredIteratorException":
                raise
            return self.client.get_records(
                ShardIterator=self._iterator(stream, shard_id, position), Limit=limit
            )

    def _read_shard(self, stream: str, shard_id: str, start: dict, stop_after: str | None) -> list[tuple]:
        """Records after the start offset: up to `stop_after` when replaying (however many, with a new iterator),
        else up to maxRecordsPerShard and, with readUntil, only those that arrived by then (in a shard, in arrival
        order), keeping the next iterator when the read took every record it was given."""
        rows: list[tuple] = []
        replay = stop_after is not None
        limit = None if replay else self.max_records
        until = None if replay else self.read_until
        iterator = (
            self._iterator(stream, shard_id, start)
            if replay
            else self._kept_iterator(stream, shard_id, start)
        )
        after = start["shards"].get(shard_key(stream, shard_id))
        while iterator and (limit is None or len(rows) < limit):
            page_limit = GET_RECORDS_PAGE if limit is None else min(GET_RECORDS_PAGE, limit - len(rows))
            position = {"shards": {shard_key(stream, shard_id): after}, "since": start.get("since")}
            page = self._get_records(stream, shard_id, position, iterator, page_limit)
            for record in page["Records"]:
                sequence = record["SequenceNumber"]
                if replay and int(sequence) > int(stop_after):
                    return rows
                arrived = record.get("ApproximateArrivalTimestamp")
                if until is not None and arrived is not None and arrived.timestamp() > until:
                    return rows
                rows.append(
                    (record["PartitionKey"], bytes(record["Data"]), stream, shard_id, sequence, arrived)
                )
                after = sequence
                if sequence == stop_after:
                    return rows
            iterator = page.get("NextShardIterator")
            if not page["Records"]:
                break
        if not replay and iterator:
            self._next[shard_key(stream, shard_id)] = (after, iterator)
        return rows


def shard_key(stream: str, shard_id: str) -> str:
    """A shard's key in the offsets: stream names hold no `/` (Kinesis allows [a-zA-Z0-9_.-])."""
    return f"{stream}/{shard_id}"


def split_shard_key(key: str) -> tuple[str, str]:
    stream, shard_id = key.split("/", 1)
    return stream, shard_id
