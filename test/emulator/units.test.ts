// Pure parts of the emulator: wire format, retry policy, refusal parsing, selection, delivery bookkeeping.
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
import { refusedPositions } from "../../emulator/transport-api";
import { kafkaBody, kinesisRecordsBody, toWire, type WireRecord } from "../../emulator/wire";
import { tempDir } from "./support/environment";

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
