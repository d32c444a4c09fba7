import { expect } from "chai";
import { kinesisActionUri, kinesisRequestTemplate, streamRoutes } from "../../infra/kinesisTemplates";
import { renderVtl } from "./vtl";

const decode = (data: string) => JSON.parse(Buffer.from(data, "base64").toString("utf8")) as unknown;

// A real-looking pin row, with the kinds of text the real data carries (quotes, emoji, NBSP, newline).
const pinRow = {
  index: 7528,
  unique_id: "fbe53c66-3442-4773-b19e-d3ec6f54dddf",
  title: 'Say "cheese" 🧀',
  description: "No description available Story format\u00a0\n",
  follower_count: "12k",
  downloaded: 1,
};
const geoRow = {
  ind: 7528,
  timestamp: "2020-08-28T03:52:47",
  latitude: -89.9787,
  longitude: -173.293,
  country: "Albania",
};

describe("Kinesis request templates", () => {
  it("PutRecord: stream from the path, Data base64 of the row's JSON, the partition key", () => {
    const rendered = renderVtl(kinesisRequestTemplate("PutRecord"), {
      body: JSON.stringify({ StreamName: "pinpipe-dev-pin", Data: pinRow, PartitionKey: "7528" }),
      pathParams: { "stream-name": "pinpipe-dev-pin" },
    });
    const request = JSON.parse(rendered) as { StreamName: string; Data: string; PartitionKey: string };
    expect(Object.keys(request).sort()).to.deep.equal(["Data", "PartitionKey", "StreamName"]);
    expect(request.StreamName).to.equal("pinpipe-dev-pin");
    expect(request.PartitionKey).to.equal("7528");
    expect(decode(request.Data)).to.deep.equal(pinRow);
  });

  it("PutRecords: one Kinesis record per input record, in order, each with its own data and key", () => {
    const records = [
      { Data: pinRow, PartitionKey: "pin-7528" },
      { Data: geoRow, PartitionKey: "geo-7528" },
      { Data: { ind: 1, first_name: "Abigail", last_name: "Ali" }, PartitionKey: "user-1" },
    ];
    const rendered = renderVtl(kinesisRequestTemplate("PutRecords"), {
      body: JSON.stringify({ StreamName: "pinpipe-dev-geo", Records: records }),
      pathParams: { "stream-name": "pinpipe-dev-geo" },
    });
    const request = JSON.parse(rendered) as {
      StreamName: string;
      Records: { Data: string; PartitionKey: string }[];
    };
    expect(request.StreamName).to.equal("pinpipe-dev-geo");
    expect(request.Records.map((record) => record.PartitionKey)).to.deep.equal([
      "pin-7528",
      "geo-7528",
      "user-1",
    ]);
    expect(request.Records.map((record) => decode(record.Data))).to.deep.equal(
      records.map((record) => record.Data),
    );
  });

  it("PutRecords with a single record is still valid JSON (no trailing comma)", () => {
    const rendered = renderVtl(kinesisRequestTemplate("PutRecords"), {
      body: JSON.stringify({ StreamName: "s", Records: [{ Data: geoRow, PartitionKey: "k" }] }),
      pathParams: { "stream-name": "pinpipe-dev-geo" },
    });
    expect((JSON.parse(rendered) as { Records: unknown[] }).Records).to.have.length(1);
  });

  it("the stream name comes from the path, not from the body", () => {
    const rendered = renderVtl(kinesisRequestTemplate("PutRecord"), {
      body: JSON.stringify({ StreamName: "someone-elses-stream", Data: geoRow, PartitionKey: "1" }),
      pathParams: { "stream-name": "pinpipe-dev-geo" },
    });
    expect((JSON.parse(rendered) as { StreamName: string }).StreamName).to.equal("pinpipe-dev-geo");
  });

  it("DescribeStream, CreateStream, DeleteStream and ListStreams bodies", () => {
    const path = { body: "", pathParams: { "stream-name": "pinpipe-dev-user" } };
    expect(JSON.parse(renderVtl(kinesisRequestTemplate("DescribeStream"), path))).to.deep.equal({
      StreamName: "pinpipe-dev-user",
    });
    expect(JSON.parse(renderVtl(kinesisRequestTemplate("DeleteStream"), path))).to.deep.equal({
      StreamName: "pinpipe-dev-user",
    });
    expect(JSON.parse(renderVtl(kinesisRequestTemplate("CreateStream"), path))).to.deep.equal({
      StreamName: "pinpipe-dev-user",
      StreamModeDetails: { StreamMode: "ON_DEMAND" },
    });
    expect(JSON.parse(renderVtl(kinesisRequestTemplate("ListStreams"), { body: "" }))).to.deep.equal({});
  });

  it("routes: create and delete exist only when allowed; action URIs name the Kinesis action", () => {
    const key = (route: { httpMethod: string; path: string }) => `${route.httpMethod} ${route.path}`;
    expect(streamRoutes(false).map(key)).to.deep.equal([
      "GET streams",
      "GET streams/{stream-name}",
      "PUT streams/{stream-name}/record",
      "PUT streams/{stream-name}/records",
    ]);
    expect(streamRoutes(true).map(key)).to.include.members([
      "POST streams/{stream-name}",
      "DELETE streams/{stream-name}",
    ]);
    expect(kinesisActionUri("eu-west-1", "PutRecords")).to.equal(
      "arn:aws:apigateway:eu-west-1:kinesis:action/PutRecords",
    );
  });
});

describe("the VTL test interpreter", () => {
  it("prints a map the way Velocity does, so a template that forgets $input.json is caught", () => {
    const wrong = `{"Data": "$util.base64Encode($input.path('$.Data'))"}`;
    const rendered = JSON.parse(renderVtl(wrong, { body: JSON.stringify({ Data: { ind: 1 } }) })) as {
      Data: string;
    };
    expect(Buffer.from(rendered.Data, "base64").toString()).to.equal("{ind=1}");
  });

  it("rejects directives outside its subset", () => {
    expect(() => renderVtl("#set($x = 1)", { body: "" })).to.throw(/unsupported directive/);
  });
});
