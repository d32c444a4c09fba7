"""local/kinesis_server.py's shard methods answer what moto 5.2.5's own answer, on shards of every size the local
source and the benchmarks read: empty, one record, a page limit below, at and above what is left."""

import importlib.util
import itertools

import pytest
from moto.kinesis import models

from pinterest_jobs.session import REPO_ROOT

_spec = importlib.util.spec_from_file_location("kinesis_server", REPO_ROOT / "local" / "kinesis_server.py")
kinesis_server = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(kinesis_server)

MOTO = {
    "get_max_sequence_number": models.Shard.get_max_sequence_number,
    "get_min_sequence_number": models.Shard.get_min_sequence_number,
    "get_records": models.Shard.get_records,
}
PATCHED = {
    "get_max_sequence_number": kinesis_server._max_sequence_number,
    "get_min_sequence_number": kinesis_server._min_sequence_number,
    "get_records": kinesis_server._get_records,
}


def shard_of(size: int) -> models.Shard:
    shard = models.Shard(0, starting_hash=0, ending_hash=2**128)
    for index in range(size):
        shard.put_record(f"k{index}", f"data-{index}", None)
    return shard


def answer(methods: dict, shard: models.Shard, last: int, limit: int | None):
    records, last_read, _ = methods["get_records"](shard, str(last), limit)
    return (
        methods["get_max_sequence_number"](shard),
        methods["get_min_sequence_number"](shard),
        [record.sequence_number for record in records],
        last_read,
    )


@pytest.mark.parametrize("size", [0, 1, 7, 1200])
def test_the_patched_shard_answers_as_moto(size):
    shard = shard_of(size)
    for last, limit in itertools.product([0, 1, size // 2, size - 1, size, size + 5], [None, 1, 3, 10_000]):
        assert answer(PATCHED, shard, last, limit) == answer(MOTO, shard, last, limit), (last, limit)


def test_puts_through_the_patched_shard_keep_consecutive_sequence_numbers():
    original = models.Shard.get_max_sequence_number
    models.Shard.get_max_sequence_number = kinesis_server._max_sequence_number
    try:
        shard = shard_of(50)
    finally:
        models.Shard.get_max_sequence_number = original
    assert list(shard.records) == list(range(1, 51))
