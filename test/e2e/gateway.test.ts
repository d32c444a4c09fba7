// The local gateway's answers to requests it must refuse, and the CLI's flags; neither needs Kafka or Kinesis running.
import { expect } from "chai";
import { streamNames, topicNames } from "../../contract";
import { UsageError } from "../../cli/errors";
import { parseArgs } from "../../local/args";
import net from "node:net";
import { keyMatches, startGateway, type Gateway } from "../../local/gateway/server";
import { freePort } from "../../local/services/net";

describe("local gateway refuses bad requests with a JSON error", function () {
  let gateway: Gateway;
  const apiKey = "test-key";

  before(async () => {
    // Nothing listens on these ports: every request below must be refused before anything is forwarded.
    gateway = await startGateway({
      port: 0,
      apiKey,
      topics: topicNames("gwtest"),
      streams: streamNames("gwtest"),
      kafkaBootstrap: `127.0.0.1:${await freePort()}`,
      topicPartitions: 3,
      kafkaMaxMessageBytes: 1048588,
      kinesisEndpoint: `http://127.0.0.1:${await freePort()}`,
      logFile: "/dev/null",
    });
  });
  after(() => gateway.stop());

  async function call(
    method: string,
    path: string,
    body: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(`${gateway.url}${path}`, {
      method,
      body: method === "GET" ? undefined : body,
      headers: { "x-api-key": apiKey, ...headers },
    });
    expect(response.headers.get("content-type")).to.equal("application/json");
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }
  const kafkaJson = { "content-type": "application/vnd.kafka.json.v2+json" };
  const goodProduce = JSON.stringify({ records: [{ value: { index: 1 } }] });

  it("answers 403 without the API key", async () => {
    const { status, json } = await call("POST", "/topics/gwtest.pin", goodProduce, {
      ...kafkaJson,
      "x-api-key": "wrong",
    });
    expect(status).to.equal(403);
    expect(json.message).to.equal("Forbidden");
  });

  it("compares the key whole: a prefix, a longer key, a missing or repeated header are all refused", () => {
    expect(keyMatches(apiKey, apiKey)).to.equal(true);
    for (const wrong of ["test-ke", "test-key2", "", undefined, [apiKey, apiKey]])
      expect(keyMatches(wrong, apiKey), JSON.stringify(wrong)).to.equal(false);
  });

  it("answers 415 to a produce request that is not Kafka JSON v2", async () => {
    const { status, json } = await call("POST", "/topics/gwtest.pin", goodProduce, {
      "content-type": "application/json",
    });
    expect(status).to.equal(415);
    expect(json.message).to.match(/application\/vnd\.kafka\.json\.v2\+json/);
  });

  it("answers 404 for a topic the stack does not have", async () => {
    const { status, json } = await call("POST", "/topics/other.pin", goodProduce, kafkaJson);
    expect([status, json.error_code]).to.deep.equal([404, 40401]);
  });

  it("answers 400 naming the problem to a body that is not JSON", async () => {
    const { status, json } = await call("POST", "/topics/gwtest.geo", "{not json", kafkaJson);
    expect([status, json.error_code]).to.deep.equal([400, 400]);
    expect(json.message).to.match(/^body is not valid JSON: .*position 1/);
    const kinesis = await call("PUT", "/streams/gwtest-geo/records", '{"Records": [', {
      "content-type": "application/json",
    });
    expect(kinesis.status).to.equal(400);
    expect(kinesis.json.message).to.match(/^body is not valid JSON: /);
  });

  it("answers 422 to JSON that has no records or a partition the topic lacks", async () => {
    const cases = [
      "{}",
      "[1]",
      '{"records": []}',
      '{"records": [{"key": 1}]}',
      '{"records": [{"value": {}, "partition": 3}]}',
      '{"records": [{"value": {}, "partition": -1}]}',
    ];
    for (const body of cases) {
      const { status, json } = await call("POST", "/topics/gwtest.geo", body, kafkaJson);
      expect([status, json.error_code], body).to.deep.equal([422, 422]);
    }
  });

  it("answers 413 with the limit to a body over 10 MiB, after reading it, so the client sees no reset", async () => {
    const big = JSON.stringify({ records: [{ value: { text: "x".repeat(10 * 1024 * 1024) } }] });
    const { status, json } = await call("POST", "/topics/gwtest.pin", big, kafkaJson);
    expect(status).to.equal(413);
    expect(json.message).to.include("limit of 10485760 bytes");
  });

  it("answers 400 to a path with a malformed percent-escape", async () => {
    for (const path of ["/topics/gwtest%2.pin", "/streams/gwtest-pin%zz/records", "/topics/%E0%A4%A"]) {
      const { status, json } = await call("POST", path, goodProduce, kafkaJson);
      expect(status, path).to.equal(400);
      expect(json.message, path).to.match(/malformed percent-escape/);
    }
  });

  it("refuses integers beyond 2^53 - 1 with 400 instead of forwarding them rounded", async () => {
    // 9007199254740993 = 2^53 + 1 parses to 2^53 in JavaScript: forwarding it would alter the record.
    const produce = '{"records": [{"value": {"index": 1, "follower_count": 9007199254740993}}]}';
    const kafka = await call("POST", "/topics/gwtest.pin", produce, kafkaJson);
    expect([kafka.status, kafka.json.error_code]).to.deep.equal([400, 400]);
    expect(kafka.json.message).to.match(/^records\[0\]\.value\.follower_count is an integer beyond/);
    const put = '{"Data": {"ind": -18014398509481984}, "PartitionKey": "1"}';
    const kinesis = await call("PUT", "/streams/gwtest-pin/record", put, {
      "content-type": "application/json",
    });
    expect(kinesis.status).to.equal(400);
    expect(kinesis.json.message).to.match(/^Data\.ind is an integer beyond/);
  });

  it("answers 400 to a Kinesis record over 1 MiB or a PutRecords call over 5 MiB", async () => {
    const json = { "content-type": "application/json" };
    const huge = JSON.stringify({ Data: { text: "x".repeat(1024 * 1024) }, PartitionKey: "1" });
    const one = await call("PUT", "/streams/gwtest-pin/record", huge, json);
    expect(one.status).to.equal(400);
    expect(one.json.message).to.match(/at most 1048576 bytes per record/);
    const records = Array.from({ length: 6 }, () => ({
      Data: { text: "x".repeat(1000 * 1000) },
      PartitionKey: "1",
    }));
    const many = await call("PUT", "/streams/gwtest-pin/records", JSON.stringify({ Records: records }), json);
    expect([many.status, many.json.__type]).to.deep.equal([400, "InvalidArgumentException"]);
    expect(many.json.message).to.match(/at most 5242880 bytes per PutRecords call/);
  });

  it("answers 400 to Kinesis requests without Data or PartitionKey, or for another stream", async () => {
    const cases: [string, string][] = [
      ["/streams/gwtest-pin/record", JSON.stringify({ PartitionKey: "1" })],
      ["/streams/gwtest-pin/record", JSON.stringify({ Data: { ind: 1 } })],
      [
        "/streams/gwtest-pin/record",
        JSON.stringify({ StreamName: "gwtest-geo", Data: { ind: 1 }, PartitionKey: "1" }),
      ],
      ["/streams/gwtest-pin/records", JSON.stringify({ Records: [] })],
      ["/streams/other-pin/records", JSON.stringify({ Records: [{ Data: {}, PartitionKey: "1" }] })],
    ];
    for (const [path, body] of cases) {
      const { status, json } = await call("PUT", path, body, { "content-type": "application/json" });
      expect(status, body).to.equal(400);
      expect(json.message, body).to.be.a("string").and.not.equal("");
    }
  });

  it("answers 404 to an unknown route and counts nothing", async () => {
    expect((await call("GET", "/nothing", "")).status).to.equal(404);
    const counts = (await call("GET", "/_local/accepted", "")).json;
    expect(counts).to.deep.equal({ batch: { pin: 0, geo: 0, user: 0 }, stream: { pin: 0, geo: 0, user: 0 } });
  });

  it("answers 503 when Kafka cannot take the records, so that the client retries", async function () {
    this.timeout(60_000);
    const { status, json } = await call("POST", "/topics/gwtest.user", goodProduce, kafkaJson);
    expect(status).to.equal(503);
    expect(json.message).to.match(/^Kafka did not accept the records/);
  });
});

describe("local mode flags", () => {
  it("defaults to run with 2000 posts, prefix local and the default port base", () => {
    expect(parseArgs([])).to.include({
      command: "run",
      posts: 2000,
      keep: false,
      prefix: "local",
      portBase: 19100,
    });
  });

  it("reads every flag", () => {
    const args = parseArgs([
      "run",
      "--posts",
      "50",
      "--keep",
      "--prefix",
      "abc",
      "--port-base",
      "0",
      "--state-dir",
      "/tmp/x",
      "--summary",
      "/tmp/s.json",
    ]);
    expect(args).to.include({
      posts: 50,
      keep: true,
      prefix: "abc",
      portBase: 0,
      stateDir: "/tmp/x",
      summaryFile: "/tmp/s.json",
    });
  });

  it("refuses bad values with a one-line message", () => {
    const cases: [string[], RegExp][] = [
      [["--posts", "x"], /--posts needs a whole number/],
      [["--posts", "0"], /--posts needs a whole number/],
      [["--prefix", "A_B"], /prefix "A_B" is invalid/],
      [["--port-base", "80"], /--port-base must be 0 or at least 1024/],
      [["--bogus"], /unknown flag "--bogus"/],
      [["sideways"], /unknown command "sideways"/],
    ];
    for (const [argv, message] of cases) {
      expect(() => parseArgs(argv), argv.join(" ")).to.throw(UsageError, message);
      try {
        parseArgs(argv);
      } catch (error) {
        expect((error as Error).message).to.not.include("\n");
      }
    }
  });
});

describe("local gateway caps its open connections", function () {
  it("closes connections above maxConnections on arrival, and serves again once one is free", async () => {
    const gateway = await startGateway({
      port: 0,
      apiKey: "k",
      topics: topicNames("gwcap"),
      streams: streamNames("gwcap"),
      kafkaBootstrap: `127.0.0.1:${await freePort()}`,
      topicPartitions: 3,
      kafkaMaxMessageBytes: 1048588,
      kinesisEndpoint: `http://127.0.0.1:${await freePort()}`,
      logFile: "/dev/null",
      maxConnections: 2,
    });
    const { port } = new URL(gateway.url);
    const open = () =>
      new Promise<net.Socket>((resolve, reject) => {
        const socket = net.connect(Number(port), "127.0.0.1", () => resolve(socket));
        socket.once("error", reject);
      });
    /** Resolves with how the socket ended: "closed" when the server hung up before any answer. */
    const fate = (socket: net.Socket) =>
      new Promise<string>((resolve) => {
        socket.once("data", () => resolve("answered"));
        socket.once("close", () => resolve("closed"));
      });
    try {
      const held = [await open(), await open()];
      const extra = await open();
      const extraFate = fate(extra);
      extra.write("GET /x HTTP/1.1\r\nHost: gw\r\nx-api-key: k\r\n\r\n");
      expect(await extraFate).to.equal("closed");
      held[0].destroy();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const again = await open();
      const againFate = fate(again);
      again.write("GET /x HTTP/1.1\r\nHost: gw\r\nx-api-key: k\r\n\r\n");
      expect(await againFate).to.equal("answered");
      for (const socket of [...held, again]) socket.destroy();
    } finally {
      await gateway.stop();
    }
  });
});
