"""Local Airflow and its Databricks provider are the versions MWAA runs (versions.json)."""

import json
from importlib.metadata import version

from conftest import REPO_ROOT

VERSIONS = json.loads((REPO_ROOT / "versions.json").read_text())


def pins(requirements_file: str) -> dict[str, str]:
    lines = (REPO_ROOT / "dags" / requirements_file).read_text().splitlines()
    pairs = (line.split("==") for line in lines if "==" in line and not line.startswith("#"))
    return {name.strip().lower(): pinned.strip() for name, pinned in pairs}


def test_test_environment_pins_the_mwaa_airflow_and_provider_versions():
    test_pins = pins("requirements-test.txt")
    assert test_pins["apache-airflow"] == VERSIONS["mwaaAirflow"]
    assert test_pins["apache-airflow-providers-databricks"] == VERSIONS["airflowProvidersDatabricks"]


def test_mwaa_constraints_pin_the_provider_of_versions_json():
    # MWAA installs the provider from plugins.zip under this file (infra/mwaaPlugins.ts, docs/dag.md).
    constraints = f"constraints-{VERSIONS['mwaaAirflow']}-{VERSIONS['mwaaPython']}.txt"
    assert pins(constraints)["apache-airflow-providers-databricks"] == VERSIONS["airflowProvidersDatabricks"]
    image = pins(f"mwaa-image-packages-{VERSIONS['mwaaAirflow']}.txt")
    assert image["apache-airflow"] == VERSIONS["mwaaAirflow"]


def test_installed_packages_are_the_pinned_ones():
    assert version("apache-airflow") == VERSIONS["mwaaAirflow"]
    assert version("apache-airflow-providers-databricks") == VERSIONS["airflowProvidersDatabricks"]
