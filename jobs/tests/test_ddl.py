"""The contract's DDL (ddl.py) on local Spark: the tables it creates have exactly the schemas the jobs write, keep
their comments and properties through a job's writes, and a table whose columns differ stops a job in one line."""

import pytest
from conftest import records
from synthetic_posts import write_sink_layout

from pinterest_jobs import batch, metrics, stream
from pinterest_jobs.cleaning import CLEANERS, deduplicate
from pinterest_jobs.contract import (
    CATALOG_TABLES,
    QUARANTINE_TABLE,
    SILVER_TABLES,
    STREAM_QUARANTINE_TABLE,
    STREAM_TABLES,
    TABLES,
    catalog_table,
    job_tables,
    table_properties,
    topic_names,
)
from pinterest_jobs.ddl import create_table_sql
from pinterest_jobs.errors import JobFailure
from pinterest_jobs.gold import compute_gold
from pinterest_jobs.tables import Output


def columns(schema) -> dict[str, str]:
    return {field.name: field.dataType.simpleString() for field in schema.fields}


def frames_the_jobs_write(spark) -> dict:
    """Every frame the two jobs write, built by the jobs' own functions (on no records: the schema is the point)."""
    empty = records(spark)
    cleaned = {table: CLEANERS[table](empty) for table in TABLES}
    silver = {table: deduplicate(cleaned[table].rows) for table in TABLES}
    stream_batch = stream.new_rows(stream._empty_records(spark))
    stream_rows = {table: stream.table_rows(stream_batch, table) for table in TABLES}
    frames = {SILVER_TABLES[table]: silver[table] for table in TABLES}
    frames[QUARANTINE_TABLE] = cleaned["pin"].quarantine
    frames.update(compute_gold(spark, silver["pin"], silver["geo"], silver["user"]))
    frames.update({STREAM_TABLES[table]: stream_rows[table] for table in TABLES})
    frames[STREAM_QUARANTINE_TABLE] = stream.quarantine_rows(stream_batch)
    frames.update(metrics.empty_metrics(spark, stream_rows["pin"].schema, stream_rows["geo"].schema))
    return frames


def test_the_ddl_gives_every_table_the_schema_the_jobs_write(spark, tmp_path):
    output = Output(str(tmp_path))
    frames = frames_the_jobs_write(spark)
    assert set(frames) == {table.name for table in CATALOG_TABLES}
    for name, frame in frames.items():
        spark.sql(create_table_sql(name, output.sql_ref(name)))
        assert columns(output.read(spark, name).schema) == columns(frame.schema), name


def test_the_ddl_carries_the_contracts_comments_and_properties(spark, tmp_path):
    output = Output(str(tmp_path))
    name = STREAM_TABLES["pin"]
    spark.sql(create_table_sql(name, output.sql_ref(name)))
    detail = output.delta(spark, name).detail().first()
    assert detail["description"] == catalog_table(name).comment
    assert {key: detail["properties"][key] for key in table_properties(name)} == table_properties(name)
    comments = {field.name: field.metadata.get("comment", "") for field in output.read(spark, name).schema}
    assert comments == {column.name: column.comment for column in catalog_table(name).columns}


def test_the_batch_job_writes_into_the_declared_tables_and_keeps_their_comments(spark, tmp_path):
    topics = topic_names("ddl")
    write_sink_layout(tmp_path / "input", topics, 30)
    output = Output(str(tmp_path / "out"))
    batch.run_batch(spark, str(tmp_path / "input"), output, topics, str(tmp_path / "checkpoint"))
    # A full refresh writes every table again, into the same declared tables.
    batch.run_batch(spark, str(tmp_path / "input"), output, topics, str(tmp_path / "checkpoint"), True)
    for name in job_tables("batch"):
        schema = output.read(spark, name).schema
        assert [(field.name, field.dataType.simpleString()) for field in schema] == [
            (column.name, column.type) for column in catalog_table(name).columns
        ], name
        assert {field.name: field.metadata.get("comment", "") for field in schema} == {
            column.name: column.comment for column in catalog_table(name).columns
        }, name
        assert output.delta(spark, name).detail().first()["description"] == catalog_table(name).comment


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("`country` string", "`nation` string"), "column country (string) is missing"),
        (("`country` string", "`country` int"), "column country is int, the contract says string"),
        (
            ("`timestamp` timestamp", "`timestamp` timestamp, `extra` int"),
            "column extra is not in the contract",
        ),
    ],
)
def test_a_table_whose_columns_differ_stops_the_job_in_one_line_naming_table_and_column(
    spark, tmp_path, change, message
):
    output = Output(str(tmp_path))
    name = SILVER_TABLES["geo"]
    ddl = create_table_sql(name, output.sql_ref(name))
    assert change[0] in ddl
    spark.sql(ddl.replace(change[0], change[1]))
    with pytest.raises(JobFailure) as failure:
        output.declare(spark, job_tables("batch"))
    text = str(failure.value)
    assert "\n" not in text
    assert f"table {output.ref(name)} is not the contract's: {message}" in text


def test_in_a_catalog_the_tables_must_exist(spark):
    with pytest.raises(JobFailure, match=r"does not exist: declare the catalog's tables first \(pulumi up\)"):
        Output("spark_catalog.default").declare(spark, job_tables("batch"))
