// stream --via sdk: PutRecords with the AWS SDK into a real Kinesis API server (moto), read back with GetRecords.
import path from "node:path";
import { expect } from "chai";
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
} from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { TABLES } from "../../contract";
import { connect, seed } from "../../emulator/db";
import { generatePosts } from "../../emulator/generator";
import { toWire, wireKey } from "../../emulator/wire";
import { startKinesisServer, type KinesisServer } from "../../local/services/kinesis";
import { freePort } from "../../local/services/net";
import { OUTPUTS } from "./support/ingest-api";
import { runCli, startTestDatabase, writeOutputs } from "./support/environment";

const POSTS = 120;
const CREDENTIALS = {
  AWS_ACCESS_KEY_ID: "testing",
  AWS_SECRET_ACCESS_KEY: "testing",
  AWS_REGION: "us-east-1",
};

async function readStream(client: KinesisClient, stream: string): Promise<Record<string, unknown>[]> {
  const description = await client.send(new DescribeStreamCommand({ StreamName: stream }));
  const values: Record<string, unknown>[] = [];
  for (const shard of description.StreamDescription?.Shards ?? []) {
    let iterator = (
      await client.send(
        new GetShardIteratorCommand({
          StreamName: stream,
          ShardId: shard.ShardId,
          ShardIteratorType: "TRIM_HORIZON",
        }),
      )
    ).ShardIterator;
    while (iterator) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      for (const record of page.Records ?? [])
        values.push(JSON.parse(Buffer.from(record.Data!).toString("utf8")));
      iterator = page.Records && page.Records.length > 0 ? page.NextShardIterator : undefined;
    }
  }
  return values;
}

describe("emulator stream --via sdk (moto Kinesis server)", function () {
  this.timeout(120_000);
  let db: Awaited<ReturnType<typeof startTestDatabase>>;
  let kinesis: KinesisServer;
  let client: KinesisClient;

  before(async () => {
    db = await startTestDatabase("sdk");
    kinesis = await startKinesisServer({ port: await freePort(), logFile: path.join(db.dir, "moto.log") });
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
    client = new KinesisClient({
      endpoint: kinesis.endpoint,
      requestHandler: new NodeHttpHandler(),
      region: CREDENTIALS.AWS_REGION,
      credentials: {
        accessKeyId: CREDENTIALS.AWS_ACCESS_KEY_ID,
        secretAccessKey: CREDENTIALS.AWS_SECRET_ACCESS_KEY,
      },
    });
    for (const table of TABLES)
      await client.send(new CreateStreamCommand({ StreamName: OUTPUTS.streams[table], ShardCount: 2 }));
    const connection = await connect(db.url);
    await seed(connection, generatePosts(POSTS, "sdk"));
    await connection.end();
  });
  after(async () => {
    client?.destroy();
    await kinesis?.stop();
    await db?.stop();
  });

  it("puts every row into its stream, equal to the source row", async () => {
    const outputs = writeOutputs(db.dir, { ...OUTPUTS, apiUrl: "http://127.0.0.1:9/unused" });
    const result = await runCli(
      [
        "stream",
        "--via",
        "sdk",
        "--endpoint",
        kinesis.endpoint,
        "--db",
        db.url,
        "--outputs",
        outputs,
        "--all",
        "--batch-size",
        "50",
        "--json",
      ],
      { env: CREDENTIALS },
    );
    expect(result.code, result.stderr).to.equal(0);
    expect(JSON.parse(result.stdout)).to.include({ sent: POSTS * 3, failed: 0 });
    const posts = generatePosts(POSTS, "sdk");
    for (const table of TABLES) {
      const values = await readStream(client, OUTPUTS.streams[table]);
      const byKey = new Map(values.map((value) => [wireKey(value as never), value]));
      expect(byKey.size, table).to.equal(POSTS);
      for (const post of posts)
        expect(byKey.get(wireKey(toWire(post[table])))).to.deep.equal(toWire(post[table]));
    }
  });

  it("a missing stream stops the run with one line", async () => {
    const outputs = writeOutputs(db.dir, {
      ...OUTPUTS,
      apiUrl: "http://127.0.0.1:9/unused",
      streams: { pin: "nope-pin", geo: "nope-geo", user: "nope-user" },
    });
    const result = await runCli(
      [
        "stream",
        "--via",
        "sdk",
        "--endpoint",
        kinesis.endpoint,
        "--db",
        db.url,
        "--outputs",
        outputs,
        "--count",
        "5",
        "--json",
        "--failed-file",
        path.join(db.dir, "sdk-failed.jsonl"),
      ],
      { env: CREDENTIALS },
    );
    expect(result.code).to.equal(1);
    expect(result.stderr.trim().split("\n")).to.have.length(1);
    expect(result.stderr).to.match(/^emulator: stopped: PutRecords nope-\w+: ResourceNotFoundException/);
  });
});
