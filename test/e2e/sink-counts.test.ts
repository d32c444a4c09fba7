// The sink-wait loop's counting: incremental (an object is read once unless it changes) and by offsets covered,
// so that duplicates written after a sink restart do not make the sink look complete early.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { topicNames } from "../../contract";
import { SinkLineCounter, sinkLineCounts } from "../../local/counts";

describe("sink line counting", () => {
  let mount: string;
  const topics = topicNames("cnt");

  /** Writes object {topic}+{partition}+{start}.json with `lines` lines, as the sink names them. */
  function writeObject(topic: string, partition: number, start: number, lines: number): string {
    const dir = path.join(mount, "topics", topic, `partition=${partition}`);
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${topic}+${partition}+${start}.json`);
    fs.writeFileSync(file, Array.from({ length: lines }, (_, i) => `{"ind":${start + i}}\n`).join(""));
    return file;
  }

  beforeEach(() => {
    mount = fs.mkdtempSync(path.join(os.tmpdir(), "sink-counts-"));
  });
  afterEach(() => fs.rmSync(mount, { recursive: true, force: true }));

  it("counts lines and covered offsets per topic, over every partition", () => {
    writeObject(topics.pin, 0, 0, 3);
    writeObject(topics.pin, 0, 3, 2);
    writeObject(topics.pin, 2, 0, 4);
    writeObject(topics.geo, 1, 0, 1);
    const counter = new SinkLineCounter(mount, topics);
    expect(counter.counts()).to.deep.equal({ pin: 9, geo: 1, user: 0 });
    expect(counter.written()).to.deep.equal({ pin: 9, geo: 1, user: 0 });
    expect([...counter.partitionEnds("pin")].sort()).to.deep.equal([
      [0, 5],
      [2, 4],
    ]);
    expect(sinkLineCounts(mount, topics)).to.deep.equal({ pin: 9, geo: 1, user: 0 });
  });

  it("does not take duplicates for records written: overlapping objects after a restart", () => {
    // Offsets 0-9 written, then 5-9 written again from the last committed offset, and 10-11 still missing.
    writeObject(topics.user, 0, 0, 10);
    writeObject(topics.user, 0, 5, 5);
    const counter = new SinkLineCounter(mount, topics);
    expect(counter.counts().user, "lines").to.equal(15);
    expect(counter.written().user, "offsets covered").to.equal(10);
  });

  it("reads each object once, and again only when its size or time changed", () => {
    const counter = new SinkLineCounter(mount, topics);
    writeObject(topics.pin, 0, 0, 3);
    writeObject(topics.geo, 0, 0, 3);
    counter.counts();
    expect(counter.reads).to.equal(2);
    counter.counts();
    counter.written();
    expect(counter.reads, "nothing new: nothing read").to.equal(2);
    writeObject(topics.pin, 0, 3, 1);
    expect(counter.counts().pin).to.equal(4);
    expect(counter.reads, "only the new object read").to.equal(3);
    // The sink writes an object again under the same name (same start offset) after a rewind.
    writeObject(topics.geo, 0, 0, 5);
    expect(counter.counts().geo).to.equal(5);
    expect(counter.reads).to.equal(4);
  });
});
