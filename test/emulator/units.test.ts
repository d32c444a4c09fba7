// Pure parts of the emulator: wire format, retry policy, refusal parsing, selection, delivery bookkeeping.
import { createHash, createHmac } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { parseDuration } from "../../emulator/cli";
import {
  backoffMs,
  Delivery,
  FailureFile,
  FatalSendError,
  newStats,
  type Attempt,
  type Target,
  type Transport,
} from "../../emulator/delivery";
import { selectKeys } from "../../emulator/run";
import { parseOutputs } from "../../emulator/targets";
import { apiRegion, sigV4Signer } from "../../emulator/sigv4";
import { ApiTransport, isThrottling, refusedPositions } from "../../emulator/transport-api";
import { kafkaBody, kinesisRecordsBody, toWire, type WireRecord } from "../../emulator/wire";
import { tempDir } from "./support/environment";
import { OUTPUTS, startIngestApi, type Incoming } from "./support/ingest-api";

const geo = {
  ind: 7528,
  timestamp: "2020-08-28 03:52:47",
  latitude: -89.9787,
  longitude: -173.293,
  country: "Albania",
};
const TARGET: Target = { table: "geo", kind: "stream", name: "x-geo" };

/** A transport that answers from a script and records what it was sent. */
function scripted(answers: Attempt[]): Transport & { sent: WireRecord[][] } {
  const sent: WireRecord[][] = [];
  return {
    sent,
    async send(_target, records) {
      sent.push([...records]);
      return answers.shift() ?? { outcome: "ok" };
    },
    async close() {},
  };
}

const records = (count: number): WireRecord[] => Array.from({ length: count }, (_, ind) => ({ ind }));
const fastRetry = { maxTries: 3, baseDelayMs: 1, maxDelayMs: 2 };

describe("emulator units", () => {
  it("puts rows on the wire with ISO datetimes and numbers as numbers", () => {
    expect(toWire(geo)).to.deep.equal({ ...geo, timestamp: "2020-08-28T03:52:47" });
    expect(
      toWire({ ind: 1, first_name: "A", last_name: "B", age: 20, date_joined: "2015-10-24 11:23:51" })
        .date_joined,
    ).to.equal("2015-10-24T11:23:51");
    expect(kafkaBody([toWire(geo)])).to.deep.equal({ records: [{ value: toWire(geo) }] });
    expect(kinesisRecordsBody("p-geo", "geo", [toWire(geo)])).to.deep.equal({
      StreamName: "p-geo",
      Records: [{ Data: toWire(geo), PartitionKey: "geo-7528" }],
    });
  });

  it("backs off exponentially with full jitter, capped", () => {
    const policy = { maxTries: 6, baseDelayMs: 100, maxDelayMs: 1_000 };
    expect(backoffMs(policy, 1, () => 0.999)).to.equal(99);
    expect(backoffMs(policy, 3, () => 0.999)).to.equal(399);
    expect(backoffMs(policy, 9, () => 0.999)).to.equal(999);
    expect(backoffMs(policy, 4, () => 0)).to.equal(0);
  });

  it("finds the refused entries of PutRecords and Kafka REST answers", () => {
    expect(
      refusedPositions({
        FailedRecordCount: 1,
        Records: [{ SequenceNumber: "1" }, { ErrorCode: "InternalFailure", ErrorMessage: "x" }],
      }),
    ).to.deep.equal({
      positions: [1],
      error: "InternalFailure: x",
    });
    expect(
      refusedPositions({ offsets: [{ error_code: null }, { error_code: 50003, error: "retriable" }] })
        .positions,
    ).to.deep.equal([1]);
    expect(refusedPositions(null).positions).to.deep.equal([]);
  });

  it("parses durations", () => {
    expect(parseDuration("90")).to.equal(90_000);
    expect(parseDuration("5m")).to.equal(300_000);
    expect(parseDuration("1.5h")).to.equal(5_400_000);
    expect(() => parseDuration("0s")).to.throw(/--duration/);
  });

  it("selects keys in order, wrapping around, or at random with replacement", () => {
    expect([...selectKeys([3, 5, 8], { mode: "sequential", count: 7, seed: "1" })]).to.deep.equal([
      3, 5, 8, 3, 5, 8, 3,
    ]);
    const drawn = [...selectKeys([...Array(10).keys()], { mode: "random", count: 50, seed: "s" })];
    expect(drawn).to.deep.equal([
      ...selectKeys([...Array(10).keys()], { mode: "random", count: 50, seed: "s" }),
    ]);
    expect(new Set(drawn).size).to.be.lessThan(11);
    expect(drawn.every((key) => key >= 0 && key < 10)).to.equal(true);
  });

  it("validates outputs and strips a trailing slash of apiUrl", () => {
    const names = { pin: "a.pin", geo: "a.geo", user: "a.user" };
    const parsed = parseOutputs(
      JSON.stringify({ apiUrl: "https://h/dev/", apiKey: "k", topics: names, streams: names, bucket: "b" }),
      "x",
    );
    expect(parsed.apiUrl).to.equal("https://h/dev");
    expect(() => parseOutputs("[]", "x")).to.throw(/JSON object/);
    expect(() =>
      parseOutputs(JSON.stringify({ apiUrl: "https://h", topics: names, streams: names }), "x"),
    ).to.throw(/apiKey/);
  });

  describe("delivery", () => {
    let dir: string;
    beforeEach(() => {
      dir = tempDir("delivery");
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("resends only the refused records", async () => {
      const transport = scripted([
        { outcome: "partial", failed: [0, 2], error: "e" },
        { outcome: "retry", error: "503" },
      ]);
      const delivery = new Delivery(
        transport,
        new FailureFile(path.join(dir, "f.jsonl")),
        newStats(),
        fastRetry,
      );
      await delivery.deliver(TARGET, records(4));
      expect(transport.sent).to.deep.equal([records(4), [{ ind: 0 }, { ind: 2 }], [{ ind: 0 }, { ind: 2 }]]);
      expect(delivery.stats.sent.geo).to.equal(4);
      expect(delivery.stats.retries).to.equal(2);
    });

    it("writes records down after the last try, with target and last error", async () => {
      const transport = scripted([
        { outcome: "retry", error: "first" },
        { outcome: "retry", error: "second" },
        { outcome: "retry", error: "third" },
      ]);
      const file = path.join(dir, "f.jsonl");
      const failures = new FailureFile(file);
      const delivery = new Delivery(transport, failures, newStats(), fastRetry);
      await delivery.deliver(TARGET, records(2));
      expect(failures.used).to.equal(true);
      const lines = fs
        .readFileSync(file, "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line));
      expect(lines.map((line) => line.record)).to.deep.equal(records(2));
      expect(lines[0].target).to.deep.equal(TARGET);
      expect(lines[0].error).to.equal("gave up after 3 tries; last error: third");
      expect(delivery.stats.failed.geo).to.equal(2);
    });

    it("has each failed record on disk (fsync) before the delivery counts it as failed", async () => {
      const file = path.join(dir, "synced.jsonl");
      const failures = new FailureFile(file);
      const delivery = new Delivery(
        scripted([{ outcome: "fatal", error: "413" }]),
        failures,
        newStats(),
        fastRetry,
      );
      const synced: { lines: number; failedSoFar: number }[] = [];
      const fsync = fs.fsyncSync;
      fs.fsyncSync = (fd: number) => {
        fsync(fd);
        synced.push({
          lines: fs.readFileSync(file, "utf8").trim().split("\n").length,
          failedSoFar: delivery.stats.failed.geo,
        });
      };
      try {
        await delivery.deliver(TARGET, records(4)).catch(() => undefined);
      } finally {
        fs.fsyncSync = fsync;
        failures.close();
      }
      expect(synced).to.deep.equal([{ lines: 4, failedSoFar: 0 }]);
      expect(delivery.stats.failed.geo).to.equal(4);
    });

    it("stops at a fatal answer, keeping its records", async () => {
      const file = path.join(dir, "f.jsonl");
      const delivery = new Delivery(
        scripted([{ outcome: "fatal", error: "403" }]),
        new FailureFile(file),
        newStats(),
        fastRetry,
      );
      let caught: unknown;
      await delivery.deliver(TARGET, records(3)).catch((error: unknown) => (caught = error));
      expect(caught).to.be.instanceOf(FatalSendError);
      expect(fs.readFileSync(file, "utf8").trim().split("\n")).to.have.length(3);
    });

    it("does not retry once interrupted", async () => {
      const transport = scripted([{ outcome: "retry", error: "503" }]);
      const delivery = new Delivery(
        transport,
        new FailureFile(path.join(dir, "f.jsonl")),
        newStats(),
        fastRetry,
      );
      delivery.interrupted = true;
      await delivery.deliver(TARGET, records(1));
      expect(transport.sent).to.have.length(1);
      expect(delivery.stats.failed.geo).to.equal(1);
    });
  });
});

describe("emulator ingest API transport: throttling and signing (no database)", () => {
  const geoTarget: Target = { table: "geo", kind: "stream", name: OUTPUTS.streams.geo };
  const record = toWire({
    ind: 1,
    timestamp: "2020-01-01 00:00:00",
    latitude: 1,
    longitude: 2,
    country: "x",
  });

  it("a PutRecord answered with Kinesis' throttling 400 is retried; another 400 stops the run", async () => {
    const answers: unknown[] = [
      { __type: "ProvisionedThroughputExceededException", message: "Rate exceeded for shard" },
      { __type: "KMSThrottlingException", message: "throttled" },
      { __type: "ResourceNotFoundException", message: "no stream" },
    ];
    let next = 0;
    const api = await startIngestApi(() => ({ kind: "answer", status: 400, body: answers[next++] }));
    const transport = new ApiTransport({ ...OUTPUTS, apiUrl: api.url }, 1);
    try {
      expect((await transport.send(geoTarget, [record])).outcome).to.equal("retry");
      expect((await transport.send(geoTarget, [record])).outcome).to.equal("retry");
      const last = await transport.send(geoTarget, [record]);
      expect(last.outcome).to.equal("fatal");
      expect(isThrottling(400, "not json")).to.equal(false);
      expect(isThrottling(500, JSON.stringify(answers[0]))).to.equal(false);
    } finally {
      await transport.close();
      await api.close();
    }
  });

  it("--sigv4: a SigV4 Authorization for execute-api in the API's region, over the request as it arrives", async () => {
    const api = await startIngestApi(() => ({ kind: "accept" }));
    const credentials = {
      accessKeyId: "AKIDEXAMPLE",
      secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    };
    const sign = await sigV4Signer("eu-west-1", async () => credentials);
    const transport = new ApiTransport({ ...OUTPUTS, apiUrl: api.url }, 1, undefined, sign);
    try {
      expect((await transport.send(geoTarget, [record])).outcome).to.equal("ok");
      const [request] = api.requests;
      const authorization = String(request.headers.authorization);
      expect(authorization).to.match(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[^,]*host[^,]*x-api-key[^,]*, Signature=[0-9a-f]{64}$/,
      );
      expect(request.headers["x-api-key"]).to.equal(OUTPUTS.apiKey);
      // Re-signed by hand from what arrived (SigV4's canonical request, string to sign and key derivation).
      expect(authorization).to.equal(sigV4ByHand(request, credentials, "eu-west-1"));
    } finally {
      await transport.close();
      await api.close();
    }
  });

  it("--sigv4: the region comes from an execute-api URL, else AWS_REGION; none is one clear line", () => {
    expect(apiRegion("https://abc123.execute-api.ap-south-1.amazonaws.com/prod")).to.equal("ap-south-1");
    expect(apiRegion("http://127.0.0.1:8080/dev", { AWS_REGION: "eu-west-1" })).to.equal("eu-west-1");
    expect(() => apiRegion("http://127.0.0.1:8080/dev", {})).to.throw(/set AWS_REGION/);
  });
});

/** SigV4 (AWS General Reference, "Create a signed AWS API request") computed with node:crypto alone. */
function sigV4ByHand(
  request: Incoming,
  credentials: { accessKeyId: string; secretAccessKey: string },
  region: string,
): string {
  const sha256 = (data: string) => createHash("sha256").update(data).digest("hex");
  const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data).digest();
  const amzDate = String(request.headers["x-amz-date"]);
  const day = amzDate.slice(0, 8);
  const signedNames = /SignedHeaders=([^,]+)/.exec(String(request.headers.authorization))![1].split(";");
  const canonicalHeaders = signedNames
    .map((name) => `${name}:${String(request.headers[name]).trim()}\n`)
    .join("");
  const [pathOnly] = request.path.split("?");
  // execute-api is not S3: the path's segments are URI-encoded once more in the canonical request.
  const canonicalPath = pathOnly
    .split("/")
    .map((segment) => encodeURIComponent(segment))
    .join("/");
  const canonicalRequest = [
    request.method,
    canonicalPath,
    "",
    canonicalHeaders,
    signedNames.join(";"),
    sha256(request.body),
  ].join("\n");
  const scope = `${day}/${region}/execute-api/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonicalRequest)].join("\n");
  const key = hmac(
    hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, day), region), "execute-api"),
    "aws4_request",
  );
  const signature = createHmac("sha256", key).update(stringToSign).digest("hex");
  return `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedNames.join(";")}, Signature=${signature}`;
}
