"""The local Kinesis server: moto's (moto_server's arguments), with a shard whose put and GetRecords cost what they
touch instead of what the shard holds.

moto 5.2.5's Shard (moto/kinesis/models.py) finds the last sequence number with `list(self.records.keys())[-1]`
on every put and walks the shard from its first record on every GetRecords. A stream fed at 200 records/s got
slower by the minute: after 30 minutes the gateway's puts managed 60 records/s (docs/benchmarks.md). A shard's
sequence numbers are consecutive integers (put_record gives the last + 1, and records are never removed from a
shard), so the last is the newest key and the record after N is N + 1.
"""

import sys

from moto.kinesis import models
from moto.server import main


def _max_sequence_number(self: models.Shard) -> int:
    return next(reversed(self.records)) if self.records else 0


def _min_sequence_number(self: models.Shard) -> int:
    return next(iter(self.records)) if self.records else 0


def _get_records(
    self: models.Shard, last_sequence_id: str, limit: int | None
) -> tuple[list, int, int]:
    last = int(last_sequence_id)
    results = []
    sequence = max(last + 1, _min_sequence_number(self))
    while sequence in self.records and (limit is None or len(results) < limit):
        results.append(self.records[sequence])
        last = sequence
        sequence += 1
    behind = 0
    if results:
        newest = self.records[next(reversed(self.records))]
        behind = int((newest.created_at - results[-1].created_at) * 1000)
    return results, last, behind


def patch_shard() -> None:
    models.Shard.get_max_sequence_number = _max_sequence_number
    models.Shard.get_min_sequence_number = _min_sequence_number
    models.Shard.get_records = _get_records


if __name__ == "__main__":
    patch_shard()
    sys.argv[0] = "moto_server"
    sys.exit(main())
