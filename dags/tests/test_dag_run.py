"""Full DAG runs (dag.test) of the rendered sample DAG against a local stand-in of the Databricks Jobs API."""

import json
from datetime import timedelta

import pytest
from airflow.utils.state import DagRunState
from jobs_api_standin import JobsApiStandIn

TOKEN = "standin-token"


@pytest.fixture
def jobs_api(monkeypatch):
    standin = JobsApiStandIn(token=TOKEN)
    base_url = standin.start()
    host, port = base_url.removeprefix("http://").split(":")
    connection = {
        "conn_type": "databricks",
        "host": host,
        "port": int(port),
        "schema": "http",
        "password": TOKEN,
    }
    monkeypatch.setenv("AIRFLOW_CONN_DATABRICKS_DEFAULT", json.dumps(connection))
    yield standin
    standin.stop()


@pytest.fixture
def dag(dagbag, sample_dag_id, monkeypatch):
    dag = dagbag.get_dag(sample_dag_id)
    task = dag.get_task("run_batch_job")
    # Poll and retry at once: the schedule of polls and retries is not what these tests are about.
    monkeypatch.setattr(task, "polling_period_seconds", 0)
    monkeypatch.setattr(task, "retry_delay", timedelta(0))
    return dag


def test_dag_run_succeeds_when_the_job_run_succeeds(dag, jobs_api, sample_stack):
    jobs_api.result_state = "SUCCESS"

    dag_run = dag.test()

    assert dag_run.state == DagRunState.SUCCESS
    assert jobs_api.run_now_bodies == [{"job_id": sample_stack["jobId"]}]
    assert jobs_api.calls("GET", "/api/2.1/jobs/runs/get") >= 3  # PENDING, RUNNING, TERMINATED
    assert all(r["path"].startswith("/api/2.1/jobs/") for r in jobs_api.requests)


def test_dag_run_fails_when_every_try_of_the_job_run_fails(dag, jobs_api, sample_stack):
    jobs_api.result_state = "FAILED"

    dag_run = dag.test()

    assert dag_run.state == DagRunState.FAILED
    tries = dag.get_task("run_batch_job").retries + 1
    assert jobs_api.run_now_bodies == [{"job_id": sample_stack["jobId"]}] * tries
    assert jobs_api.calls("GET", "/api/2.1/jobs/runs/get-output") == tries


def test_dag_run_fails_when_databricks_rejects_the_token(dag, jobs_api):
    jobs_api.token = "another-token"

    dag_run = dag.test()

    assert dag_run.state == DagRunState.FAILED
    # Only the first try: in Airflow 3.0.6 a run-now that fails leaves the operator's run-page link unset,
    # pushing that link fails after the retry is recorded, and dag.test() (in-process) then fails the task.
    assert jobs_api.calls("POST", "/api/2.1/jobs/run-now") >= 1
    assert jobs_api.run_now_bodies == []
