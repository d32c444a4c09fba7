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
