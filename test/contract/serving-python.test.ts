// The serving views as the jobs package generates them (pinterest_jobs.ddl, used by local mode) and as the catalog
// declares them (contract/serving.ts): the same SQL, so the local views and the Databricks views cannot drift.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { expect } from "chai";
import { quotedName, servingViews } from "../../contract/serving";

const JOBS_PYTHON = path.resolve(__dirname, "../../.cache/venv/jobs/bin/python");

describe("contract: the serving views of the jobs package equal the catalog's", function () {
  this.timeout(60_000);

  it("view for view, in the same order", () => {
    const script = `
import json
from pinterest_jobs.ddl import quoted, serving_views
print(json.dumps(list(serving_views(quoted, quoted, quoted).items())))`;
    const python = JSON.parse(execFileSync(JOBS_PYTHON, ["-c", script], { encoding: "utf8" })) as [
      string,
      string,
    ][];
    const typescript = servingViews((_schema, name) => quotedName(name)).map((view) => [view.name, view.sql]);
    expect(python).to.deep.equal(typescript);
  });
});
