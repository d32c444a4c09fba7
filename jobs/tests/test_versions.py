"""Local Spark and Delta pins follow the cloud's versions (versions.json, the one place for them)."""

import json
import re
import tomllib
from importlib.metadata import version

from conftest import REPO_ROOT


def pins() -> dict[str, str]:
    project = tomllib.loads((REPO_ROOT / "jobs" / "pyproject.toml").read_text())
    found = {}
    for requirement in project["project"]["dependencies"]:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)==([^;\s]+)", requirement.strip())
        if match:
            found[match.group(1).lower()] = match.group(2)
    return found


def test_pyspark_and_delta_pins_equal_versions_json():
    cloud = json.loads((REPO_ROOT / "versions.json").read_text())
    assert pins()["pyspark"] == cloud["spark"]
    assert pins()["delta-spark"] == cloud["delta"]


def test_installed_spark_and_delta_are_the_pinned_ones():
    assert version("pyspark") == pins()["pyspark"]
    assert version("delta-spark") == pins()["delta-spark"]
