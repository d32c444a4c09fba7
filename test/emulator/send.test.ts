// batch and stream through the ingest API, against a real MariaDB and a contract-checking local API
// that injects failures: every seeded row must arrive, equal to its source row.
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { TABLES } from "../../contract";
import { connect, seed } from "../../emulator/db";
import { generatePosts } from "../../emulator/generator";
import { toWire, wireKey } from "../../emulator/wire";
import type { Post } from "../../emulator/rows";
import {
  OUTPUTS,
  failingAtMost,
  startIngestApi,
  type Action,
  type IngestApi,
  type Incoming,
} from "./support/ingest-api";
import { readFailures, runCli, startTestDatabase, writeOutputs } from "./support/environment";

const POSTS = 300;

describe("emulator batch and stream through the ingest API", function () {
  this.timeout(120_000);
  let db: Awaited<ReturnType<typeof startTestDatabase>>;
  let posts: Post[];
  let api: IngestApi | undefined;

  before(async () => {
    db = await startTestDatabase("send");
    posts = generatePosts(POSTS, "send-test");
    const connection = await connect(db.url);
    await seed(connection, posts);
    await connection.end();
  });
  after(async () => {
    await db?.stop();
  });
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  async function send(
    command: "batch" | "stream",
    decide: (request: Incoming) => Action,
    flags: string[],
    env?: NodeJS.ProcessEnv,
  ) {
    api = await startIngestApi(decide);
    const outputs = writeOutputs(db.dir, { ...OUTPUTS, apiUrl: api.url });
    const failedFile = path.join(db.dir, `failed-${command}-${Date.now()}.jsonl`);
    const result = await runCli(
      [command, "--db", db.url, "--outputs", outputs, "--json", "--failed-file", failedFile, ...flags],
      { env },
    );
    return { api, result, failedFile };
  }

  /** Every post's row of every table arrived at least once, equal to the source row on the wire. */
  function expectAllArrived(received: IngestApi["received"], names: Record<string, string>) {
    for (const table of TABLES) {
      const arrived = new Map<number, unknown>();
      for (const entry of received.filter((item) => item.target === names[table])) {
        const key = wireKey(entry.value as never);
        expect(entry.value, `a ${table} record arrived twice with different content`).to.satisfy(
          (value: unknown) => !arrived.has(key) || JSON.stringify(arrived.get(key)) === JSON.stringify(value),
        );
        arrived.set(key, entry.value);
      }
      expect(arrived.size, `${table} records`).to.equal(POSTS);
      for (const post of posts)
        expect(arrived.get(wireKey(toWire(post[table])))).to.deep.equal(toWire(post[table]));
    }
  }

  it("batch: sends every row despite 503s, dropped connections and refused offsets", async () => {
    const { api, result } = await send(
      "batch",
      failingAtMost(3, (request) => {
        if (request.number % 5 === 1) return { kind: "status", status: 503 };
        if (request.number % 7 === 2) return { kind: "drop" };
        if (request.number % 4 === 3 && request.count > 1)
          return { kind: "refuse", positions: [0, request.count - 1] };
        if (request.number % 11 === 4) return { kind: "status", status: 429 };
        return { kind: "accept" };
      }),
      ["--all", "--batch-size", "25", "--concurrency", "4"],
    );
    expect(api.violations).to.deep.equal([]);
    expect(result.code, result.stderr).to.equal(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).to.include({ sent: POSTS * 3, failed: 0, failedFile: null, stoppedBy: "done" });
    expect(summary.retries).to.be.greaterThan(0);
    expect(summary.tables).to.deep.equal({
      pin: { sent: POSTS, failed: 0 },
      geo: { sent: POSTS, failed: 0 },
      user: { sent: POSTS, failed: 0 },
    });
    expect(api.requests.every((request) => request.method === "POST")).to.equal(true);
    expectAllArrived(api.received, OUTPUTS.topics);
  });

  it("stream: PutRecords resends only the refused entries", async () => {
    const { api, result } = await send(
      "stream",
      failingAtMost(3, (request) => {
        if (request.number % 6 === 1) return { kind: "status", status: 500 };
        if (request.number % 9 === 5) return { kind: "drop" };
        if (request.number % 3 === 0 && request.count > 2) return { kind: "refuse", positions: [1, 2] };
        return { kind: "accept" };
      }),
      ["--all", "--batch-size", "40", "--concurrency", "3"],
    );
    expect(api.violations).to.deep.equal([]);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(JSON.parse(result.stdout)).to.include({ sent: POSTS * 3, failed: 0 });
    expect(
      api.requests.every((request) => request.path.endsWith("/records") && request.method === "PUT"),
    ).to.equal(true);
    // A resend after a partial failure carries exactly the two refused entries.
    const refusedThenResent = api.requests.filter((request) => request.count === 2);
    expect(refusedThenResent.length).to.be.greaterThan(0);
    expectAllArrived(api.received, OUTPUTS.streams);
    for (const entry of api.received) expect(entry.partitionKey).to.match(/^(pin|geo|user)-\d+$/);
  });

  it("stream with --batch-size 1 uses PutRecord, one record per request", async () => {
    const { api, result } = await send("stream", () => ({ kind: "accept" }), [
      "--count",
      "20",
      "--batch-size",
      "1",
      "--concurrency",
      "2",
    ]);
    expect(result.code, result.stderr).to.equal(0);
    expect(api.violations).to.deep.equal([]);
    expect(api.requests).to.have.length(60);
    expect(api.requests.every((request) => request.path.endsWith("/record") && request.count === 1)).to.equal(
      true,
    );
    const pins = api.received
      .filter((entry) => entry.target === OUTPUTS.streams.pin)
      .map((entry) => entry.value);
    expect(pins).to.deep.equal(posts.slice(0, 20).map((post) => toWire(post.pin)));
  });

  it("stream --batch-size 1: a PutRecord throttled with Kinesis' 400 is retried, and every record arrives", async () => {
    // What API Gateway passes on when Kinesis throttles a PutRecord and no template maps it: HTTP 400 with
    // Kinesis' error body (the Kinesis API reference, PutRecord "Errors": ProvisionedThroughputExceededException
    // and KMSThrottlingException, both HTTP 400).
    const throttle = (type: string): Action => ({
      kind: "answer",
      status: 400,
      body: { __type: type, message: "Rate exceeded for shard shardId-000000000000 in stream emutest-pin" },
    });
    const { api, result, failedFile } = await send(
      "stream",
      failingAtMost(2, (request) =>
        request.number % 3 === 0
          ? throttle("KMSThrottlingException")
          : request.number % 2 === 0
            ? throttle("ProvisionedThroughputExceededException")
            : { kind: "accept" },
      ),
      ["--all", "--batch-size", "1", "--concurrency", "16"],
    );
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(JSON.parse(result.stdout)).to.include({ sent: POSTS * 3, failed: 0 });
    expect(api.violations).to.deep.equal([]);
    expect(fs.existsSync(failedFile)).to.equal(false);
    expect(api.requests.length).to.be.greaterThan(POSTS * 3);
    expectAllArrived(api.received, OUTPUTS.streams);
  });

  it("--sigv4 signs every request for execute-api with the credentials of the environment", async () => {
    const credentials = {
      accessKeyId: "AKIDEXAMPLE",
      secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    };
    const { api, result } = await send("stream", () => ({ kind: "accept" }), ["--count", "5", "--sigv4"], {
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SESSION_TOKEN: "",
      AWS_PROFILE: "",
      AWS_REGION: "eu-west-1",
    });
    expect(result.code, result.stderr).to.equal(0);
    expect(api.requests).to.have.length.greaterThan(0);
    for (const request of api.requests) {
      const authorization = String(request.headers.authorization);
      expect(authorization).to.match(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[^,]*host[^,]*x-api-key[^,]*, Signature=[0-9a-f]{64}$/,
      );
      // test/emulator/units.test.ts recomputes such a signature by hand from the request as it arrived.
    }
  });

  it("random mode draws with replacement, deterministically per seed", async () => {
    const draw = async () => {
      const { api, result } = await send("batch", () => ({ kind: "accept" }), [
        "--mode",
        "random",
        "--count",
        "200",
        "--seed",
        "7",
        "--batch-size",
        "50",
        "--concurrency",
        "1",
      ]);
      expect(result.code, result.stderr).to.equal(0);
      const keys = api.received
        .filter((entry) => entry.target === OUTPUTS.topics.geo)
        .map((entry) => wireKey(entry.value as never));
      await api.close();
      return keys;
    };
    const first = await draw();
    const second = await draw();
    expect(first).to.have.length(200);
    expect(new Set(first).size).to.be.lessThan(200);
    expect(second).to.deep.equal(first);
  });

  it("writes records to the failure file after the last try, and exits 3", async () => {
    const { result, failedFile } = await send(
      "batch",
      (request) =>
        request.target === OUTPUTS.topics.geo ? { kind: "status", status: 503 } : { kind: "accept" },
      ["--count", "30", "--batch-size", "10", "--max-tries", "2"],
    );
    expect(result.code).to.equal(3);
    const summary = JSON.parse(result.stdout);
    expect(summary).to.include({ sent: 60, failed: 30, retries: 3, failedFile });
    const failures = readFailures(failedFile);
    expect(failures).to.have.length(30);
    const byKey = failures
      .map((failure) => failure.record)
      .sort((a, b) => wireKey(a as never) - wireKey(b as never));
    expect(byKey).to.deep.equal(posts.slice(0, 30).map((post) => toWire(post.geo)));
    expect(failures[0].target).to.deep.equal({ table: "geo", kind: "topic", name: OUTPUTS.topics.geo });
    expect(failures[0].error).to.match(
      /gave up after 2 tries; last error: POST \/dev\/topics\/emutest\.geo answered 503/,
    );
  });

  it("a 403 stops the run with one line naming the key, and keeps the refused records", async () => {
    const { api, result, failedFile } = await send(
      "stream",
      (request) => (request.number >= 3 ? { kind: "status", status: 403 } : { kind: "accept" }),
      ["--all", "--batch-size", "10", "--concurrency", "1"],
    );
    expect(result.code).to.equal(1);
    const lines = result.stderr.trim().split("\n");
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(
      /^emulator: stopped: PUT \/dev\/streams\/emutest-\w+\/records answered 403: .*check the API key/,
    );
    const summary = JSON.parse(result.stdout);
    expect(summary.stoppedBy).to.equal("fatal");
    expect(summary.failed).to.equal(10);
    expect(readFailures(failedFile)).to.have.length(10);
    // Nothing was sent after the 403.
    expect(api.requests).to.have.length(3);
  });

  it("a 413 stops the run with the gateway's reason, and the request's records are in the failure file", async () => {
    const { result, failedFile } = await send(
      "batch",
      (request) => (request.number >= 2 ? { kind: "status", status: 413 } : { kind: "accept" }),
      ["--count", "40", "--batch-size", "10", "--concurrency", "1"],
    );
    expect(result.code).to.equal(1);
    expect(result.stderr.trim()).to.match(
      /^emulator: stopped: POST \/dev\/topics\/emutest\.\w+ answered 413: /,
    );
    const summary = JSON.parse(result.stdout);
    expect(summary).to.include({ stoppedBy: "fatal", sent: 10, failed: 10 });
    expect(readFailures(failedFile)).to.have.length(10);
  });

  it("SIGTERM is handled like Ctrl-C: in-flight records go to the failure file before the summary counts them", async () => {
    // From the 6th request on, every answer is a 503: those requests are retrying when SIGTERM comes.
    api = await startIngestApi((request) =>
      request.number > 5 ? { kind: "status", status: 503 } : { kind: "accept" },
    );
    const outputs = writeOutputs(db.dir, { ...OUTPUTS, apiUrl: api.url });
    const failedFile = path.join(db.dir, "failed-sigterm.jsonl");
    const result = await runCli(
      [
        "stream",
        "--db",
        db.url,
        "--outputs",
        outputs,
        "--json",
        "--failed-file",
        failedFile,
        "--batch-size",
        "5",
        "--concurrency",
        "2",
        "--max-tries",
        "100",
        "--all",
      ],
      {
        onSpawn: (child) => {
          const timer = setInterval(() => {
            if (api!.requests.length >= 12) {
              clearInterval(timer);
              child.kill("SIGTERM");
            }
          }, 20);
        },
      },
    );
    expect(result.code, result.stderr).to.equal(130);
    expect(result.stderr).to.contain("SIGTERM: finishing the requests in flight");
    const summary = JSON.parse(result.stdout);
    expect(summary.stoppedBy).to.equal("interrupt");
    expect(summary.sent).to.equal(25);
    expect(summary.failed).to.be.greaterThan(0);
    expect(readFailures(failedFile)).to.have.length(summary.failed);
  });

  it("Ctrl-C finishes what is in flight, then prints the summary", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    api = await startIngestApi(() => ({ kind: "accept" }));
    const outputs = writeOutputs(db.dir, { ...OUTPUTS, apiUrl: api.url });
    const failedFile = path.join(db.dir, "failed-interrupt.jsonl");
    const requestsBefore = () => api!.requests.length;
    const result = await runCli(
      [
        "batch",
        "--db",
        db.url,
        "--outputs",
        outputs,
        "--json",
        "--failed-file",
        failedFile,
        "--rate",
        "20",
        "--batch-size",
        "1",
        "--duration",
        "10m",
      ],
      {
        onSpawn: (child) => {
          const timer = setInterval(() => {
            if (requestsBefore() >= 5) {
              clearInterval(timer);
              child.kill("SIGINT");
              release();
            }
          }, 20);
        },
      },
    );
    await gate;
    expect(result.code, result.stderr).to.equal(130);
    const summary = JSON.parse(result.stdout);
    expect(summary.stoppedBy).to.equal("interrupt");
    expect(summary.sent + summary.failed).to.equal(api.requests.length);
    expect(fs.existsSync(failedFile)).to.equal(summary.failed > 0);
  });
});
