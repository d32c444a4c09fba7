// The hop rules of `npm run local` (issues 11 and 25): every source row acknowledged by the gateway, at least the
// records acknowledged at the delivery hops (copies are duplicates), exactly the keys acknowledged (quarantined
// records included) in the cleaned tables, whichever client sent them.
import { expect } from "chai";
import { checkHop, checkHops, verdictOf, type HopCounts, type HopRule } from "../../local/verdict";

const same = (n: number) => ({ pin: n, geo: n, user: n });

const acknowledged = (n: number) => ({ accepted: same(n), acceptedKeys: same(n), sourceAccepted: same(n) });

function clean(n: number): HopCounts {
  return {
    source: same(n),
    batch: { ...acknowledged(n), kafka: same(n), s3: same(n), silver: same(n), quarantined: same(0) },
    stream: { ...acknowledged(n), kinesis: same(n), delta: same(n), quarantined: same(0) },
  };
}

describe("local run verdict: hop rules", () => {
  const cases: {
    rule: HopRule;
    expected: number;
    count: number;
    quarantined: number;
    lost: number;
    extra: number;
    duplicated: number;
  }[] = [
    { rule: "atLeast", expected: 100, count: 100, quarantined: 0, lost: 0, extra: 0, duplicated: 0 },
    { rule: "atLeast", expected: 100, count: 130, quarantined: 0, lost: 0, extra: 0, duplicated: 30 },
    { rule: "atLeast", expected: 100, count: 99, quarantined: 0, lost: 1, extra: 0, duplicated: 0 },
    { rule: "atLeast", expected: 100, count: 0, quarantined: 0, lost: 100, extra: 0, duplicated: 0 },
    { rule: "exact", expected: 100, count: 100, quarantined: 0, lost: 0, extra: 0, duplicated: 0 },
    { rule: "exact", expected: 100, count: 97, quarantined: 3, lost: 0, extra: 0, duplicated: 0 },
    { rule: "exact", expected: 100, count: 97, quarantined: 2, lost: 1, extra: 0, duplicated: 0 },
    { rule: "exact", expected: 100, count: 101, quarantined: 0, lost: 0, extra: 1, duplicated: 0 },
    { rule: "exact", expected: 0, count: 0, quarantined: 0, lost: 0, extra: 0, duplicated: 0 },
  ];
  for (const c of cases) {
    it(`${c.rule}: expected ${c.expected}, count ${c.count}, quarantined ${c.quarantined} -> lost ${c.lost}, extra ${c.extra}, duplicated ${c.duplicated}`, () => {
      expect(checkHop(c.rule, c.expected, c.count, c.quarantined)).to.deep.equal({
        lost: c.lost,
        extra: c.extra,
        duplicated: c.duplicated,
        ok: c.lost === 0 && c.extra === 0,
      });
    });
  }

  it("checks the batch path source → accepted → kafka → s3 → silver and the stream path source → accepted → kinesis → delta", () => {
    const hops = [...new Set(checkHops(clean(5)).map((check) => `${check.path} ${check.hop}`))];
    expect(hops).to.deep.equal([
      "batch source → accepted",
      "batch accepted → kafka",
      "batch kafka → s3",
      "batch s3 → silver",
      "stream source → accepted",
      "stream accepted → kinesis",
      "stream kinesis → delta",
    ]);
  });

  it("does not let quarantined records excuse a loss at a delivery hop", () => {
    const counts = clean(10);
    counts.batch!.kafka.geo = 9;
    counts.batch!.quarantined.geo = 1;
    counts.batch!.silver.geo = 9;
    const failed = checkHops(counts).filter((check) => !check.ok);
    expect(failed.map((check) => `${check.hop} ${check.table}`)).to.deep.equal(["accepted → kafka geo"]);
  });

  const verdicts: { name: string; change: (counts: HopCounts) => void; ok: boolean; line: string }[] = [
    {
      name: "everything arrived",
      change: () => undefined,
      ok: true,
      line: "verdict: OK, all 6000 source records accounted for at every hop of both paths",
    },
    {
      name: "duplicates in Kafka and S3, quarantined records in both jobs",
      change: (counts) => {
        counts.batch!.kafka.pin = 2100;
        counts.batch!.s3.pin = 2200;
        counts.batch!.silver.user = 1996;
        counts.batch!.quarantined.user = 4;
        counts.stream!.delta.user = 1996;
        counts.stream!.quarantined.user = 4;
      },
      ok: true,
      line:
        "verdict: OK, all 6000 source records accounted for at every hop of both paths " +
        "(200 duplicated in batch delivery, 4 quarantined by the batch job, 4 quarantined by the stream job)",
    },
    {
      // Issue 25: 300 posts from another client through the gateway were reported as 300 lost records.
      name: "300 pins from another client through the gateway's Kinesis endpoint",
      change: (counts) => {
        const stream = counts.stream!;
        stream.accepted.pin = 2300;
        stream.acceptedKeys.pin = 2300;
        stream.kinesis.pin = 2300;
        stream.delta.pin = 2300;
      },
      ok: true,
      line:
        "verdict: OK, all 6000 source records accounted for at every hop of both paths " +
        "(300 more keys from other clients on the stream path)",
    },
    {
      name: "another client sent 300 pins again under keys the database has",
      change: (counts) => {
        counts.batch!.accepted.pin = 2300;
        counts.batch!.kafka.pin = 2300;
        counts.batch!.s3.pin = 2300;
      },
      ok: true,
      line: "verdict: OK, all 6000 source records accounted for at every hop of both paths",
    },
    {
      name: "the stream job dropped half of the pin records",
      change: (counts) => {
        counts.stream!.delta.pin = 1000;
      },
      ok: false,
      line: "verdict: FAILED, stream kinesis → delta pin 1000/2000 (1000 lost)",
    },
    {
      name: "the emulator's records never reached the gateway",
      change: (counts) => {
        counts.batch!.sourceAccepted.geo = 1500;
        counts.batch!.accepted.geo = 1500;
        counts.batch!.acceptedKeys.geo = 1500;
        counts.batch!.kafka.geo = 1500;
        counts.batch!.s3.geo = 1500;
        counts.batch!.silver.geo = 1500;
      },
      ok: false,
      line:
        "verdict: FAILED, batch source → accepted geo 1500/2000 " +
        "(500 lost: database rows the gateway never acknowledged)",
    },
    {
      name: "the sink lost records and silver holds a key the gateway never acknowledged",
      change: (counts) => {
        counts.batch!.s3.geo = 1990;
        counts.batch!.silver.pin = 2001;
      },
      ok: false,
      line:
        "verdict: FAILED, batch kafka → s3 geo 1990/2000 (10 lost); " +
        "batch s3 → silver pin 2001/2000 (1 extra: keys the gateway never acknowledged)",
    },
    {
      name: "only the batch job ran (jobs --batch-only)",
      change: (counts) => {
        delete counts.stream;
      },
      ok: true,
      line: "verdict: OK, all 6000 source records accounted for at every hop of the batch path",
    },
  ];
  for (const v of verdicts) {
    it(`verdict line: ${v.name}`, () => {
      const counts = clean(2000);
      v.change(counts);
      const verdict = verdictOf(counts);
      expect(verdict.line).to.equal(v.line);
      expect(verdict.ok).to.equal(v.ok);
    });
  }
});
