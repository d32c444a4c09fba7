// Pure helpers of the components that the stack runs do not cover on every branch.
import { expect } from "chai";
import { readFileSync } from "fs";
import * as path from "path";
import { AIRFLOW_DATABRICKS_CONN_ID, mountPoint, mountUri } from "../../infra/names";
import { subnetCidrs } from "../../infra/network";
import { databricksConnectionSecret } from "../../infra/orchestration";
import { s3SinkConnectorConfig } from "../../infra/s3SinkConfig";

describe("component helpers", () => {
  it("subnet blocks are distinct /20s inside the VPC", () => {
    const { publicCidrs, privateCidrs } = subnetCidrs("10.41.0.0/16", 3);
    expect(publicCidrs).to.deep.equal(["10.41.0.0/20", "10.41.16.0/20", "10.41.32.0/20"]);
    expect(privateCidrs).to.deep.equal(["10.41.128.0/20", "10.41.144.0/20", "10.41.160.0/20"]);
    expect(() => subnetCidrs("172.16.0.0/12", 2)).to.throw(/10\.N\.0\.0\/16/);
  });

  it("the Airflow connection: a token, or an OAuth service principal", () => {
    const host = "https://dbc-1.cloud.databricks.com";
    expect(JSON.parse(databricksConnectionSecret(host, { kind: "token", token: "t" }))).to.deep.equal({
      conn_type: "databricks",
      host,
      password: "t",
    });
    expect(
      JSON.parse(databricksConnectionSecret(host, { kind: "oauth", clientId: "id", clientSecret: "s" })),
    ).to.deep.equal({
      conn_type: "databricks",
      host,
      login: "id",
      password: "s",
      extra: { service_principal_oauth: true },
    });
  });

  it("the S3 sink writes each record's value as one JSON line, uncompressed, under topics/<topic>/partition=<n>/", () => {
    const config = s3SinkConnectorConfig({
      topics: ["p.pin", "p.geo"],
      bucketName: "b",
      region: "eu-west-1",
      maxTasks: 3,
      writerRoleArn: "arn:aws:iam::1:role/writer",
      sessionName: "p-s3-sink",
      deadLetterTopic: "p.s3-sink.dead-letter",
      deadLetterReplicationFactor: 2,
    });
    expect(config).to.include({
      topics: "p.pin,p.geo",
      "aws.s3.bucket.name": "b",
      "aws.s3.region": "eu-west-1",
      "tasks.max": "3",
      "format.output.type": "jsonl",
      "format.output.fields": "value",
      "format.output.fields.value.encoding": "none",
      "format.output.envelope": "false",
      "file.compression.type": "none",
      "value.converter.schemas.enable": "false",
    });
    expect(config["file.name.template"]).to.equal(
      "topics/{{topic}}/partition={{partition}}/{{topic}}+{{partition}}+{{start_offset}}.json",
    );
  });

  it("the secret the program writes is the connection id the DAG template asks for", () => {
    const template = readFileSync(path.join(__dirname, "..", "..", "dags", "pinterest_batch_dag.py"), "utf8");
    expect(template).to.contain(`DATABRICKS_CONN_ID = "${AIRFLOW_DATABRICKS_CONN_ID}"`);
  });

  it("the jobs get the mount as a dbfs: URI", () => {
    expect(mountPoint("pinpipe-dev")).to.equal("/mnt/pinpipe-dev-data");
    expect(mountUri("pinpipe-dev")).to.equal("dbfs:/mnt/pinpipe-dev-data");
  });
});
