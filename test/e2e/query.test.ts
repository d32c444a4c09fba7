// `npm run local -- query` on a finished local run: after extra stream-only traffic (posts the batch never saw), the
// serving views (`<gold>_now`, docs/contract.md section 8) equal the gold queries over batch plus stream computed
// by the test's own implementation (expected-gold.ts), and the report's "as of now" section counts the new keys.
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { GOLD_TABLES, nowViewName, SOURCE_KEYS, TABLES } from "../../contract";
import { layoutOf, type Layout } from "../../local/layout";
import { seed, send, startJobs, waitForSink, type StepContext } from "../../local/pipeline";
import { portsFrom } from "../../local/ports";
import { readReportData } from "../../local/report/lake";
import { REPO_ROOT } from "../../local/layout";
import { startStack, type Stack } from "../../local/stack";
import { canonical, expectedGold, type SourceRows } from "./expected-gold";
import { readSource } from "./source-rows";

const BATCH_POSTS = 300;

/** Both jobs on what the stack holds now (their input is complete, so both gates open at once). */
async function runBothJobs(ctx: StepContext): Promise<void> {
  const jobs = startJobs(ctx);
  jobs.openBatch();
  jobs.openStream();
  await jobs.done;
}
const ALL_POSTS = 700;

/** `npm run local -- query SQL --json --state-dir DIR`, as a user runs it. */
async function localQuery(stateDir: string, sql: string): Promise<Record<string, unknown>[]> {
  const { stdout } = await promisify(execFile)(
    "bash",
    [path.join(REPO_ROOT, "tools", "local.sh"), "query", sql, "--json", "--state-dir", stateDir],
    { cwd: REPO_ROOT, maxBuffer: 256 * 1024 * 1024 },
  );
  return stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("npm run local -- query: the serving views of a finished run", function () {
  this.timeout(30 * 60_000);
  let stateDir: string;
  let layout: Layout;
  let stack: Stack | undefined;
  let union: SourceRows;
  let streamOnly: number;
  let views: Record<string, Record<string, unknown>[]>;
  const log: string[] = [];

  before(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "local-query-"));
    layout = layoutOf(stateDir);
    stack = await startStack({ prefix: "e2eq", layout, ports: await portsFrom(0), say: (l) => log.push(l) });
    const ctx: StepContext = {
      endpoints: stack.endpoints,
      layout,
      say: (l) => log.push(l),
      running: new Set(),
    };
    await seed(ctx, BATCH_POSTS);
    await Promise.all([send(ctx, "batch"), send(ctx, "stream")]);
    await waitForSink(ctx);
    await runBothJobs(ctx);
    const batch = await readSource(stack.endpoints.dbUrl);

    // More posts, sent as stream traffic only (the first ones again too): the batch never sees the new keys.
    await seed(ctx, ALL_POSTS);
    await send(ctx, "stream");
    await runBothJobs(ctx);
    const all = await readSource(stack.endpoints.dbUrl);
    await stack.stop();
    stack = undefined;

    // Batch plus stream, a key in both once, from the batch's rows.
    union = { pin: [], geo: [], user: [] };
    for (const table of TABLES) {
      const key = SOURCE_KEYS[table];
      const known = new Set(batch[table].map((row) => Number(row[key])));
      union[table] = [...batch[table], ...all[table].filter((row) => !known.has(Number(row[key])))];
    }
    streamOnly = union.pin.length - batch.pin.length;

    const sql = [
      ...GOLD_TABLES.map(
        (name) => `SELECT '${name}' AS gold, to_json(struct(*)) AS row FROM ${nowViewName(name)}`,
      ),
      `SELECT origin AS gold, to_json(named_struct('rows', count(*))) AS row FROM ${nowViewName("pin")} GROUP BY origin`,
    ].join("\nUNION ALL\n");
    views = {};
    for (const row of await localQuery(stateDir, sql))
      (views[String(row.gold)] ??= []).push(JSON.parse(String(row.row)) as Record<string, unknown>);
  });

  after(() => {
    void stack?.stop();
    if (this.tests.some((test) => test.state !== "passed") || !views)
      console.log(`query e2e: state and logs kept in ${stateDir}\n${log.join("\n")}`);
    else fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("sent posts the batch never saw", () => {
    expect(streamOnly).to.equal(ALL_POSTS - BATCH_POSTS);
  });

  it("pin_now holds every batch post once and the stream's new posts", () => {
    expect(views.batch).to.deep.equal([{ rows: BATCH_POSTS }]);
    expect(views.stream).to.deep.equal([{ rows: streamOnly }]);
  });

  const expected = (): Record<string, Record<string, unknown>[]> => expectedGold(union);
  for (const name of GOLD_TABLES)
    it(`${nowViewName(name)} equals the gold query over batch plus stream (independent implementation)`, () => {
      expect(canonical(views[name] ?? [])).to.deep.equal(canonical(expected()[name]));
    });

  it("the report's 'as of now' section counts the stream's new keys", async () => {
    const data = await readReportData(path.join(stateDir, "lake"));
    expect(data.asOfNow?.streamOnly).to.deep.equal({ pin: streamOnly, geo: streamOnly, user: streamOnly });
    const changed = data.asOfNow!.differences.filter((d) => d.batchOnly.length + d.nowOnly.length > 0);
    expect(changed.length, "gold tables the new posts change").to.be.greaterThan(0);
  });

  it("a bad query is one line naming the problem, exit status 2", async () => {
    const failure = await localQuery(stateDir, "SELECT * FROM no_such_view").catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect((failure as { code: number }).code).to.equal(2);
    const lines = (failure as { stderr: string }).stderr.split("\n").filter((l) => l.startsWith("local: "));
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/^local: .*no_such_view/);
  });
});
