import { readFileSync } from "fs";
import * as path from "path";
import { expect } from "chai";
import { DagRenderInput, renderDag } from "../../infra/dag";
import { dagFileName, dagId } from "../../infra/names";

const ROOT = path.join(__dirname, "..", "..");
const EXPECTED_DIR = path.join(ROOT, "dags", "tests", "expected");
// The sample stack is shared with the Python tests of the rendered DAG (dags/tests/).
const SAMPLE_STACK: { input: DagRenderInput; dagId: string } = JSON.parse(
  readFileSync(path.join(EXPECTED_DIR, "sample-stack.json"), "utf8"),
);
const SAMPLE = SAMPLE_STACK.input;
const TEMPLATE = readFileSync(path.join(ROOT, "dags", "pinterest_batch_dag.py"), "utf8");

function stackValueLines(dag: string): string[] {
  const lines = dag.split("\n");
  const start = lines.findIndex((line) => line.startsWith("# >>> stack values"));
  const end = lines.findIndex((line) => line.startsWith("# <<< stack values"));
  return lines.slice(start + 1, end);
}

function outsideStackValues(dag: string): string[] {
  const lines = dag.split("\n");
  const start = lines.findIndex((line) => line.startsWith("# >>> stack values"));
  const end = lines.findIndex((line) => line.startsWith("# <<< stack values"));
  return [...lines.slice(0, start + 1), ...lines.slice(end)];
}

describe("renderDag", () => {
  it("renders the sample stack exactly as the checked-in expected file that the Airflow tests load", () => {
    const expected = readFileSync(path.join(EXPECTED_DIR, dagFileName(SAMPLE.prefix)), "utf8");
    expect(renderDag(SAMPLE)).to.equal(expected);
  });

  it("names the sample DAG as the Airflow tests expect it", () => {
    expect(dagId(SAMPLE.prefix)).to.equal(SAMPLE_STACK.dagId);
    expect(dagFileName(SAMPLE.prefix)).to.equal(`${SAMPLE_STACK.dagId}.py`);
  });

  it("is deterministic", () => {
    expect(renderDag(SAMPLE)).to.equal(renderDag({ ...SAMPLE }));
  });

  it("puts the stack's values into the stack values block as Python literals", () => {
    const dag = renderDag({ prefix: "team-a-prod", jobId: "987654321012", schedule: "30 2 * * 1-5" });
    expect(stackValueLines(dag)).to.deep.equal([
      'PREFIX = "team-a-prod"',
      'DAG_ID = "pinterest_batch_team_a_prod"',
      "DATABRICKS_JOB_ID = 987654321012",
      'SCHEDULE = "30 2 * * 1-5"',
      'DATABRICKS_CONN_ID = "databricks_default"',
    ]);
  });

  it("changes nothing of the template outside the stack values block", () => {
    const dag = renderDag({ prefix: "team-a-prod", jobId: "42", schedule: "@hourly" });
    expect(outsideStackValues(dag)).to.deep.equal(outsideStackValues(TEMPLATE));
    expect(stackValueLines(dag)).to.not.deep.equal(stackValueLines(TEMPLATE));
  });

  for (const jobId of ["", "abc", "12a", "0123", "-5", "1.5", " 123", "12345678901234567890"]) {
    it(`rejects the job id ${JSON.stringify(jobId)} with a one-line error naming it`, () => {
      expect(() => renderDag({ ...SAMPLE, jobId }))
        .to.throw(Error, `Databricks job id ${JSON.stringify(jobId)} is invalid`)
        .with.property("message")
        .that.does.not.include("\n");
    });
  }

  for (const schedule of [
    "",
    " ",
    "daily",
    "@Daily",
    "0 3 * *",
    "0 3 * * * *",
    "0  3 * * *",
    '0 3 * * "x"',
    "@daily\nimport os",
  ]) {
    it(`rejects the schedule ${JSON.stringify(schedule)} with a one-line error naming it`, () => {
      expect(() => renderDag({ ...SAMPLE, schedule }))
        .to.throw(Error, `DAG schedule ${JSON.stringify(schedule)} is invalid`)
        .with.property("message")
        .that.does.not.include("\n");
    });
  }

  for (const schedule of [
    "@daily",
    "@hourly",
    "@weekly",
    "0 3 * * *",
    "*/15 * * * *",
    "0 6 1 JAN,JUL MON-FRI",
  ]) {
    it(`accepts the schedule ${JSON.stringify(schedule)}`, () => {
      expect(stackValueLines(renderDag({ ...SAMPLE, schedule }))).to.include(
        `SCHEDULE = ${JSON.stringify(schedule)}`,
      );
    });
  }

  it("rejects an invalid prefix", () => {
    expect(() => renderDag({ ...SAMPLE, prefix: "Bad_Prefix" })).to.throw(
      Error,
      'prefix "Bad_Prefix" is invalid',
    );
  });
});
