import { expect } from "chai";
import {
  KINESIS_CLIENT_ERROR_RESPONSE_TEMPLATE,
  kinesisActionUri,
  kinesisRequestTemplate,
  streamRoutes,
} from "../../infra/kinesisTemplates";
import { escapeJavaScript, renderVtl } from "./vtl";

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

  // A key with a `"` must stay one JSON string: unescaped, `k", "ExplicitHashKey": "1` would add a field that
  // steers the record to a chosen shard (and `StreamName` would pick a stream). Escaping per the API Gateway
  // developer guide's $util reference ($util.escapeJavaScript, then `\'` back to `'` for JSON).
  const hostileKeys = [
    'k", "ExplicitHashKey": "1',
    'k", "StreamName": "someone-elses-stream',
    'it\'s \\ a "key" / with\nnewline and émoji 🧀',
    "\\'",
  ];
  for (const key of hostileKeys) {
    it(`PutRecord and PutRecords keep the partition key ${JSON.stringify(key)} one string, adding no field`, () => {
      const single = JSON.parse(
        renderVtl(kinesisRequestTemplate("PutRecord"), {
          body: JSON.stringify({ Data: geoRow, PartitionKey: key }),
          pathParams: { "stream-name": "pinpipe-dev-geo" },
        }),
      ) as Record<string, unknown>;
      expect(Object.keys(single).sort()).to.deep.equal(["Data", "PartitionKey", "StreamName"]);
      expect(single.PartitionKey).to.equal(key);
      expect(single.StreamName).to.equal("pinpipe-dev-geo");
      const batch = JSON.parse(
        renderVtl(kinesisRequestTemplate("PutRecords"), {
          body: JSON.stringify({ Records: [{ Data: geoRow, PartitionKey: key }] }),
          pathParams: { "stream-name": "pinpipe-dev-geo" },
        }),
      ) as { Records: Record<string, unknown>[] };
      expect(Object.keys(batch).sort()).to.deep.equal(["Records", "StreamName"]);
      expect(Object.keys(batch.Records[0]).sort()).to.deep.equal(["Data", "PartitionKey"]);
      expect(batch.Records[0].PartitionKey).to.equal(key);
    });
  }

  it("a Kinesis throttling answer (HTTP 400) leaves the API as 429 with its body; other 4xx stay as they are", () => {
    // Kinesis answers throttling with 400 and this __type (its API reference, PutRecord "Errors").
    for (const type of ["ProvisionedThroughputExceededException", "KMSThrottlingException"]) {
      const context: Record<string, unknown> = {};
      const body = JSON.stringify({ __type: type, message: "Rate exceeded for shard" });
      const rendered = renderVtl(KINESIS_CLIENT_ERROR_RESPONSE_TEMPLATE, { body, context });
      expect(context).to.deep.equal({ responseOverride: { status: 429 } });
      expect(JSON.parse(rendered)).to.deep.equal(JSON.parse(body));
    }
    const context: Record<string, unknown> = {};
    const rendered = renderVtl(KINESIS_CLIENT_ERROR_RESPONSE_TEMPLATE, {
      body: JSON.stringify({ __type: "ResourceNotFoundException", message: "no stream" }),
      context,
    });
    expect(context).to.deep.equal({});
    expect(JSON.parse(rendered)).to.have.property("__type", "ResourceNotFoundException");
  });

  it("DescribeStream, CreateStream and DeleteStream bodies", () => {
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
  });

  it("routes: no account-wide ListStreams; create and delete only when allowed; URIs name the action", () => {
    const key = (route: { httpMethod: string; path: string }) => `${route.httpMethod} ${route.path}`;
    expect(streamRoutes(false).map(key)).to.deep.equal([
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
    expect(() => renderVtl("#macro(x)", { body: "" })).to.throw(/unsupported directive/);
    expect(() => renderVtl("#set($x = 1)", { body: "" })).to.throw(/unsupported #set/);
  });

  it("escapes like Commons Lang's escapeJavaScript", () => {
    expect(escapeJavaScript(`a"b'c\\d/e\n\u00e9🧀`)).to.equal(`a\\"b\\'c\\\\d\\/e\\n\\u00E9\\uD83E\\uDDC0`);
  });
});
