"""Scheduled batch run of the Pinterest pipeline: triggers the Databricks batch job that Pulumi manages.

This file is the template. infra/dag.ts (renderDag) replaces the stack values block below with one
stack's values and uploads the result to the MWAA bucket as dags/pinterest_batch_<prefix>.py.
"""

from datetime import UTC, datetime, timedelta

from airflow.providers.databricks.operators.databricks import DatabricksRunNowOperator
from airflow.sdk import DAG

# >>> stack values (rendered by infra/dag.ts from the stack's config and outputs)
PREFIX = "pin-sample"
DAG_ID = "pinterest_batch_pin_sample"
DATABRICKS_JOB_ID = 123456789
SCHEDULE = "@daily"
DATABRICKS_CONN_ID = "databricks_default"
# <<< stack values

# How often the task asks Databricks for the job run's state.
POLLING_PERIOD_SECONDS = 30

with DAG(
    dag_id=DAG_ID,
    description=f"Batch run of the Pinterest pipeline of stack {PREFIX}: cleaning and gold queries.",
    schedule=SCHEDULE,
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    # Two runs of the batch job over the same landing data must not overlap.
    max_active_runs=1,
    tags=["pinterest", "batch", PREFIX],
    default_args={
        "owner": "pinterest-data-pipeline",
        "retries": 2,
        "retry_delay": timedelta(minutes=10),
        "execution_timeout": timedelta(hours=3),
    },
):
    DatabricksRunNowOperator(
        task_id="run_batch_job",
        databricks_conn_id=DATABRICKS_CONN_ID,
        job_id=DATABRICKS_JOB_ID,
        polling_period_seconds=POLLING_PERIOD_SECONDS,
    )
