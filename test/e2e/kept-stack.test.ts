// A kept stack used as docs/local-mode.md invites ("A kept stack", "Use your own tools"): 300 posts sent through the
// gateway by another client, plain HTTP requests as curl sends them, then `npm run local -- jobs`. The verdict
// judges each hop against the keys the gateway acknowledged, so those posts are neither lost nor extra.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { KAFKA_JSON_CONTENT_TYPE } from "../../contract/wire";
import { TABLES, type Table } from "../../contract";
import { generatePosts } from "../../emulator/generator";
import { partitionKey, toWire } from "../../emulator/wire";
import { readStackFile } from "../../local/kept-stack";
import { layoutOf } from "../../local/layout";
import { npmRun } from "./npm-run";

const OTHER_POSTS = 300;
/** Keys far above the posts the run seeds, as another client would choose them. */
const FIRST_KEY = 7_000_000;

describe("a kept stack with traffic from another client", function () {
  this.timeout(20 * 60_000);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "kept-stack-"));
  /** The logs are kept unless every test passed (the `before` hook failing counts too). */
  let passed = false;

  // The stack of a default run, then 300 posts through its gateway from another client, plain HTTP requests.
  before(async () => {
    const run = await npmRun([
      "local",
      "--",
      "--keep",
      "--posts",
      "20",
      "--port-base",
      "0",
      "--state-dir",
      stateDir,
    ]);
    expect(run.code, run.output).to.equal(0);
    const { outputs } = readStackFile(layoutOf(stateDir))!.endpoints;
    const posts = generatePosts(OTHER_POSTS, "another-client").map((post, index) => {
      post.pin.index = FIRST_KEY + index;
      post.geo.ind = FIRST_KEY + index;
      post.user.ind = FIRST_KEY + index;
      return post;
    });
    const call = async (method: string, url: string, contentType: string, body: unknown): Promise<void> => {
      const response = await fetch(url, {
        method,
        headers: { "x-api-key": outputs.apiKey, "content-type": contentType },
        body: JSON.stringify(body),
      });
      expect(response.status, `${method} ${url}: ${await response.text()}`).to.equal(200);
    };
    for (const table of TABLES as readonly Table[]) {
      const records = posts.map((post) => toWire(post[table]));
      await call("POST", `${outputs.apiUrl}/topics/${outputs.topics[table]}`, KAFKA_JSON_CONTENT_TYPE, {
        records: records.map((value) => ({ value })),
      });
      for (let start = 0; start < records.length; start += 100)
        await call("PUT", `${outputs.apiUrl}/streams/${outputs.streams[table]}/records`, "application/json", {
          StreamName: outputs.streams[table],
          Records: records
            .slice(start, start + 100)
            .map((record) => ({ Data: record, PartitionKey: partitionKey(table, record) })),
        });
    }
    passed = true;
  });

  afterEach(function () {
    if (this.currentTest?.state !== "passed") passed = false;
  });

  after(async () => {
    await npmRun(["local", "--", "down", "--state-dir", stateDir]);
    if (passed) fs.rmSync(stateDir, { recursive: true, force: true });
    else console.log(`kept-stack e2e: state and logs kept in ${stateDir}`);
  });

  it("npm run local -- jobs after 300 posts from another client: OK, the other client's keys counted as such", async () => {
    const jobs = await npmRun(["local", "--", "jobs", "--state-dir", stateDir]);
    expect(jobs.code, jobs.output).to.equal(0);
    const others = OTHER_POSTS * TABLES.length;
    expect(jobs.output).to.include(
      `verdict: OK, all 60 source records accounted for at every hop of both paths (${others} more keys from other clients on the batch path`,
    );
    expect(jobs.output).to.include(`${others} more keys from other clients on the stream path`);
  });

  it("npm run local -- peek prints the last records of a stream: the other client's", async () => {
    const { code, output } = await npmRun([
      "local",
      "--",
      "peek",
      "local-pin",
      "-n",
      "3",
      "--state-dir",
      stateDir,
    ]);
    expect(code, output).to.equal(0);
    const keys = [...output.matchAll(/"index":(\d+)/g)].map((match) => Number(match[1]));
    expect(keys, output).to.have.length(3);
    for (const key of keys) expect(key, output).to.be.within(FIRST_KEY, FIRST_KEY + OTHER_POSTS - 1);
  });
});
