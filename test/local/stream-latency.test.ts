// The arithmetic of `npm run bench:stream` and the lines `npm run local -- --live` prints (issue 12).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { TABLES } from "../../contract";
import { dueNow, latencyStats, latest, percentile, pinsCountedInMetric } from "../../local/latency";
import { liveJobArgs, metricLines } from "../../local/live";
import { checkpointSequences } from "../../local/status";

describe("bench:stream latency figures", () => {
  const cases: { values: number[]; p: number; expected: number }[] = [
    { values: [1], p: 50, expected: 1 },
    { values: [1, 2], p: 50, expected: 1 },
    { values: [1, 2, 3, 4], p: 50, expected: 2 },
    { values: Array.from({ length: 20 }, (_, i) => i + 1), p: 95, expected: 19 },
    { values: Array.from({ length: 21 }, (_, i) => i + 1), p: 95, expected: 20 },
    { values: [5, 7], p: 100, expected: 7 },
  ];
  for (const { values, p, expected } of cases) {
    it(`p${p} of ${values.length} values is ${expected} (nearest rank)`, () => {
      expect(percentile(values, p)).to.equal(expected);
    });
  }

  it("the last acknowledgement of a 30-minute run (360,000 of them) without overflowing the stack", () => {
    // Math.max(...values) threw RangeError (Maximum call stack size exceeded) at the end of a 30-minute run.
    const acknowledged = new Map(
      Array.from({ length: 360_000 }, (_, i): [string, number] => [`pin:${i}`, 1000 + i]),
    );
    expect(latest(acknowledged.values(), 0)).to.equal(360_999);
    expect(latest([], 42)).to.equal(42);
  });

  it("count, p50, p95 and max come from the unsorted latencies", () => {
    expect(latencyStats([300, 100, 200, 400])).to.deep.equal({ count: 4, p50: 200, p95: 400, max: 400 });
    expect(latencyStats([]).count).to.equal(0);
  });

  const due: { rate: number; elapsedMs: number; sent: number; total: number; expected: number }[] = [
    { rate: 200, elapsedMs: 0, sent: 0, total: 6000, expected: 0 },
    { rate: 200, elapsedMs: 20, sent: 0, total: 6000, expected: 4 },
    { rate: 200, elapsedMs: 1000, sent: 190, total: 6000, expected: 10 },
    { rate: 200, elapsedMs: 60_000, sent: 5990, total: 6000, expected: 10 },
    { rate: 200, elapsedMs: 1000, sent: 250, total: 6000, expected: 0 },
  ];
  for (const { rate, elapsedMs, sent, total, expected } of due) {
    it(`at ${rate}/s after ${elapsedMs} ms with ${sent} of ${total} sent, ${expected} are due`, () => {
      expect(dueNow(rate, elapsedMs, sent, total)).to.equal(expected);
    });
  }
});

describe("bench:stream: which pins category_activity_1m counts", () => {
  const pins = [
    { ind: 1, category: "art", arrived_at: "2026-03-01T10:00:05.000" },
    { ind: 2, category: "art", arrived_at: "2026-03-01T10:00:50.000" },
    { ind: 3, category: "art", arrived_at: "2026-03-01T10:01:01.000" },
    { ind: 4, category: null, arrived_at: "2026-03-01T10:00:07.000" },
    { ind: 5, category: "art", arrived_at: "2026-03-01T10:00:30.000" },
  ];
  const firstSeen = new Map([
    [1, 1000],
    [2, 3000],
    [3, 1000],
    [4, 1000],
    [5, 2000],
  ]);

  it("the first `posts` pins of each window and category, in the order they reached pin_stream", () => {
    const activity = [
      { window_start: "2026-03-01T10:00:00", category: "art", posts: 2 },
      { window_start: "2026-03-01T10:01:00", category: "art", posts: 1 },
      { window_start: "2026-03-01T10:00:00", category: null, posts: 1 },
    ];
    expect(pinsCountedInMetric(pins, activity, firstSeen).sort()).to.deep.equal([1, 3, 4, 5]);
  });

  it("no pin of a window the metric does not hold yet, and none not yet seen in pin_stream", () => {
    const activity = [{ window_start: "2026-03-01T10:00:00", category: "art", posts: 3 }];
    expect(pinsCountedInMetric(pins, activity, new Map([[1, 1000]]))).to.deep.equal([1]);
  });
});

describe("local --live", () => {
  it("prints the latest window's categories by posts and each category's rank-1 poster", () => {
    const lines = metricLines(
      [
        { window_start: "2026-03-01T10:00:00", category: "art", posts: 3 },
        { window_start: "2026-03-01T10:01:00", category: "travel", posts: 1 },
        { window_start: "2026-03-01T10:01:00", category: "art", posts: 2 },
        { window_start: "2026-03-01T10:01:00", category: null, posts: 2 },
      ],
      [
        { category: "travel", rank: 1, poster_name: "bo", posts: 1, follower_count: 5 },
        { category: "art", rank: 2, poster_name: "cy", posts: 1, follower_count: 5 },
        { category: "art", rank: 1, poster_name: "al", posts: 2, follower_count: 9 },
      ],
    );
    expect(lines).to.deep.equal([
      "category_activity_1m 2026-03-01 10:01 UTC: art 2, null 2, travel 1 (8 posts in all windows)",
      "trending_profiles rank 1: art: al (2); travel: bo (1)",
    ]);
  });

  it("prints nothing before the first post is counted", () => {
    expect(metricLines([], [])).to.deep.equal([]);
  });

  it("runs the stream job with a processing-time trigger against the stack's streams", () => {
    const args = liveJobArgs(
      {
        endpoints: {
          kinesisEndpoint: "http://127.0.0.1:1",
          outputs: { streams: { pin: "p-pin", geo: "p-geo", user: "p-user" } },
        },
        layout: { streamDir: "/s", checkpointDir: "/c" },
      } as never,
      2,
    );
    expect(args.join(" ")).to.equal(
      "-m pinterest_jobs.stream --source local-kinesis --endpoint http://127.0.0.1:1 " +
        "--streams pin=p-pin,geo=p-geo,user=p-user --output /s --checkpoint /c --trigger-seconds 2",
    );
  });
});

describe("local status: the stream job's checkpoint", () => {
  it("reads each stream's sequence numbers from its own source line of the one query's offsets file", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "checkpoint-"));
    try {
      fs.mkdirSync(path.join(dir, "offsets"));
      const source = (shard: string) =>
        JSON.stringify({ shards: { "shardId-000000000000": shard }, since: null });
      fs.writeFileSync(
        path.join(dir, "offsets", "3"),
        ["v1", '{"batchWatermarkMs":0}', source("30"), source("31"), source("32")].join("\n") + "\n",
      );
      expect(TABLES.map((_, index) => checkpointSequences(dir, index))).to.deep.equal([
        { "shardId-000000000000": "30" },
        { "shardId-000000000000": "31" },
        { "shardId-000000000000": "32" },
      ]);
      expect(checkpointSequences(dir, 3)).to.equal(undefined);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
