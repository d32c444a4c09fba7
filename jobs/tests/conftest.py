import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pyspark.sql import DataFrame, SparkSession

from pinterest_jobs.session import get_spark

REPO_ROOT = Path(__file__).resolve().parents[2]
PEERS = REPO_ROOT.parent / "shared" / "data" / "peers"


@pytest.fixture(scope="session")
def spark() -> SparkSession:
    session = get_spark("pinterest-jobs-tests")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def peers() -> Path:
    """The peers' published data, read in place from ../shared beside the repository (never copied into it)."""
    if not PEERS.is_dir():
        pytest.fail(
            f"peer data not found at {PEERS}: put the shared folder (with data/peers/) beside the repository"
        )
    return PEERS


def records(spark: SparkSession, *payloads: str, source: str = "t.pin") -> DataFrame:
    """Raw records as both jobs hand them to the cleaning functions."""
    return spark.createDataFrame([(payload, source) for payload in payloads], "payload string, source string")


@contextmanager
def moto_kinesis_server() -> Iterator[str]:
    """A moto server on a free loopback port, as the local Kinesis API; yields its endpoint URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, str(REPO_ROOT / "local" / "kinesis_server.py"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail(f"moto_server did not start on port {port}")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)
