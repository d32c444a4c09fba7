"""The rendered DAG of the sample stack loads in a real Airflow DagBag and carries the stack's values."""

from datetime import UTC, datetime, timedelta

from airflow.providers.databricks.operators.databricks import DatabricksRunNowOperator


def test_loads_without_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert dagbag.size() == 1


def test_dag_id_carries_the_stack_prefix(dagbag, sample_dag_id):
    assert dagbag.dag_ids == [sample_dag_id]


def test_schedule_is_the_stacks_without_catchup(dagbag, sample_stack, sample_dag_id):
    dag = dagbag.get_dag(sample_dag_id)
    assert dag.schedule == sample_stack["schedule"]
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert dag.start_date == datetime(2025, 1, 1, tzinfo=UTC)


def test_owner_and_tags_name_the_pipeline_and_the_stack(dagbag, sample_stack, sample_dag_id):
    dag = dagbag.get_dag(sample_dag_id)
    assert dag.owner == "pinterest-data-pipeline"
    assert set(dag.tags) == {"pinterest", "batch", sample_stack["prefix"]}


def test_one_task_runs_the_stacks_databricks_job_with_retries_and_a_timeout(
    dagbag, sample_stack, sample_dag_id
):
    dag = dagbag.get_dag(sample_dag_id)
    assert dag.task_ids == ["run_batch_job"]
    task = dag.get_task("run_batch_job")
    assert type(task) is DatabricksRunNowOperator
    # The operator sends ids as strings, as the Jobs API accepts them.
    assert task.json["job_id"] == sample_stack["jobId"]
    assert task.databricks_conn_id == "databricks_default"
    assert task.wait_for_termination is True
    assert task.retries == 2
    assert task.retry_delay == timedelta(minutes=10)
    assert task.execution_timeout == timedelta(hours=3)
