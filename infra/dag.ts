// Renders the Airflow DAG of one stack from the template dags/pinterest_batch_dag.py.
import { readFileSync } from "fs";
import * as path from "path";
import { AIRFLOW_DATABRICKS_CONN_ID, dagId, validatePrefix } from "./names";

export interface DagRenderInput {
  prefix: string;
  jobId: string;
  schedule: string;
}

const DAGS_DIR = path.join(__dirname, "..", "dags");
const TEMPLATE_FILE = path.join(DAGS_DIR, "pinterest_batch_dag.py");

const BLOCK_START = "# >>> stack values (rendered by infra/dag.ts from the stack's config and outputs)\n";
const BLOCK_END = "# <<< stack values\n";

const JOB_ID_PATTERN = /^[1-9][0-9]{0,18}$/;
const SCHEDULE_PRESETS = ["@once", "@hourly", "@daily", "@weekly", "@monthly", "@quarterly", "@yearly"];
const CRON_FIELD_PATTERN = /^[0-9A-Za-z*,/?#-]+$/;

// The template is part of the program, read once; rendering itself touches nothing.
const template = readFileSync(TEMPLATE_FILE, "utf8");

function validateJobId(jobId: string): string {
  if (!JOB_ID_PATTERN.test(jobId)) {
    throw new Error(
      `Databricks job id ${JSON.stringify(jobId)} is invalid: pass the batch job's numeric id (digits only, no leading zero, e.g. 123456789)`,
    );
  }
  return jobId;
}

function validateSchedule(schedule: string): string {
  const fields = schedule.split(" ");
  const isPreset = SCHEDULE_PRESETS.includes(schedule);
  const isCron = fields.length === 5 && fields.every((field) => CRON_FIELD_PATTERN.test(field));
  if (!isPreset && !isCron) {
    throw new Error(
      `DAG schedule ${JSON.stringify(schedule)} is invalid: use an Airflow preset (${SCHEDULE_PRESETS.join(", ")}) or a 5-field cron expression separated by single spaces, e.g. "0 3 * * *"`,
    );
  }
  return schedule;
}

function stackValuesBlock(input: DagRenderInput): string {
  // JSON string literals are valid Python string literals.
  return [
    `PREFIX = ${JSON.stringify(input.prefix)}`,
    `DAG_ID = ${JSON.stringify(dagId(input.prefix))}`,
    `DATABRICKS_JOB_ID = ${input.jobId}`,
    `SCHEDULE = ${JSON.stringify(input.schedule)}`,
    `DATABRICKS_CONN_ID = ${JSON.stringify(AIRFLOW_DATABRICKS_CONN_ID)}`,
  ].join("\n");
}

/** The DAG file of one stack: the template with its stack values block filled in. Deterministic. */
export function renderDag(input: DagRenderInput): string {
  validatePrefix(input.prefix);
  validateJobId(input.jobId);
  validateSchedule(input.schedule);
  const start = template.indexOf(BLOCK_START);
  const end = template.indexOf(BLOCK_END);
  if (start < 0 || end < start || template.indexOf(BLOCK_START, start + 1) >= 0) {
    throw new Error(
      `${TEMPLATE_FILE} must contain exactly one stack values block between "${BLOCK_START.trim()}" and "${BLOCK_END.trim()}"`,
    );
  }
  return template.slice(0, start + BLOCK_START.length) + stackValuesBlock(input) + "\n" + template.slice(end);
}
