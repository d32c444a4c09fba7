"""Real Airflow for the DAG tests: a throw-away AIRFLOW_HOME with a SQLite metadata database.

Airflow reads its configuration when first imported, so the environment is set here, before any test
module imports airflow.
"""

import atexit
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="pinterest-dags-airflow-"))
atexit.register(shutil.rmtree, AIRFLOW_HOME, ignore_errors=True)
os.environ["AIRFLOW_HOME"] = str(AIRFLOW_HOME)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{AIRFLOW_HOME / 'airflow.db'}"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(AIRFLOW_HOME / "dags")

EXPECTED_DIR = Path(__file__).parent / "expected"
REPO_ROOT = Path(__file__).resolve().parents[2]


SAMPLE = json.loads((EXPECTED_DIR / "sample-stack.json").read_text())


@pytest.fixture(scope="session")
def sample_stack() -> dict:
    """The render input that test/infra/dag-render.test.ts renders into the expected file."""
    return SAMPLE["input"]


@pytest.fixture(scope="session")
def sample_dag_id() -> str:
    """The DAG id infra/names.ts gives the sample prefix (the TS test checks that)."""
    return SAMPLE["dagId"]


@pytest.fixture(scope="session")
def rendered_dag_file(sample_dag_id) -> Path:
    return EXPECTED_DIR / f"{sample_dag_id}.py"


@pytest.fixture(scope="session", autouse=True)
def airflow_db():
    from airflow.utils import db

    db.initdb()


@pytest.fixture(scope="session")
def dagbag(airflow_db, rendered_dag_file):
    from airflow.models.dagbag import DagBag

    return DagBag(dag_folder=str(rendered_dag_file), include_examples=False)
