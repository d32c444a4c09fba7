// Local mode's topics and streams take the dev stack's shape from its config, not from literals of their own.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { readStackShape } from "../../local/stack-shape";

const PROJECT_FILE = `name: pinterest-pipeline
config:
  topicPartitions:
    type: integer
    default: 3
  streamMode:
    type: string
    default: on-demand
  streamShardCount:
    type: integer
    default: 1
`;

describe("local stack shape from the stack config", () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "stack-shape-"));
    fs.writeFileSync(path.join(root, "Pulumi.yaml"), PROJECT_FILE);
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const stackFile = (lines: string[]): void =>
    fs.writeFileSync(
      path.join(root, "Pulumi.dev.yaml"),
      ["config:", ...lines.map((l) => `  ${l}`)].join("\n"),
    );

  const cases: [string, string[], { topicPartitions: number; mode: string; shardCount: number }][] = [
    [
      "the project defaults when the stack sets nothing",
      [],
      { topicPartitions: 3, mode: "on-demand", shardCount: 1 },
    ],
    [
      "the stack's values over the defaults",
      [
        "pinterest-pipeline:topicPartitions: 6",
        "pinterest-pipeline:streamMode: provisioned",
        "pinterest-pipeline:streamShardCount: 2",
      ],
      { topicPartitions: 6, mode: "provisioned", shardCount: 2 },
    ],
  ];
  for (const [name, lines, expected] of cases) {
    it(name, () => {
      stackFile(lines);
      const shape = readStackShape("dev", root);
      expect({
        topicPartitions: shape.topicPartitions,
        mode: shape.streams.mode,
        shardCount: shape.streams.shardCount,
      }).to.deep.equal(expected);
    });
  }

  it("refuses a value out of range with the file and key", () => {
    stackFile(["pinterest-pipeline:topicPartitions: 0"]);
    expect(() => readStackShape("dev", root)).to.throw(
      /Pulumi\.dev\.yaml: pinterest-pipeline:topicPartitions must be an integer from 1 to 1000 \(got 0\)/,
    );
    stackFile(["pinterest-pipeline:streamMode: fast"]);
    expect(() => readStackShape("dev", root)).to.throw(
      /streamMode must be on-demand or provisioned \(got fast\)/,
    );
  });

  it("reads the repository's dev stack: several partitions per topic", () => {
    const shape = readStackShape();
    expect(shape.stack).to.equal("dev");
    expect(shape.topicPartitions).to.be.greaterThan(1);
  });
});
