// API Gateway request templates (VTL) that turn the stream routes of docs/contract.md section 2 into Kinesis API calls.
// The stream comes from the path, so the role's stream scope decides what a caller can reach.
import type { PutRecordBody, PutRecordsBody } from "../contract/wire";

export type KinesisAction =
  "ListStreams" | "DescribeStream" | "PutRecord" | "PutRecords" | "CreateStream" | "DeleteStream";

const STREAM_FROM_PATH = `"StreamName": "$input.params('stream-name')"`;

/** A field of the request bodies of contract/wire.ts, so that the compiler holds the templates to the wire contract. */
const field = <F extends keyof PutRecordBody | keyof PutRecordsBody>(name: F): F => name;

/** `Data` is the JSON of the row; Kinesis wants it base64 encoded. */
const TEMPLATES: Record<KinesisAction, string> = {
  ListStreams: "{}",
  DescribeStream: `{${STREAM_FROM_PATH}}`,
  PutRecord: [
    "{",
    `  ${STREAM_FROM_PATH},`,
    `  "Data": "$util.base64Encode($input.json('$.${field("Data")}'))",`,
    `  "PartitionKey": "$input.path('$.${field("PartitionKey")}')"`,
    "}",
  ].join("\n"),
  PutRecords: [
    "{",
    `  ${STREAM_FROM_PATH},`,
    `  "Records": [`,
    `    #foreach($record in $input.path('$.${field("Records")}'))`,
    `    {`,
    `      "Data": "$util.base64Encode($input.json("$.${field("Records")}[$foreach.index].${field("Data")}"))",`,
    `      "PartitionKey": "$record.${field("PartitionKey")}"`,
    `    }#if($foreach.hasNext),#end`,
    `    #end`,
    `  ]`,
    "}",
  ].join("\n"),
  CreateStream: `{${STREAM_FROM_PATH}, "StreamModeDetails": {"StreamMode": "ON_DEMAND"}}`,
  DeleteStream: `{${STREAM_FROM_PATH}}`,
};

export function kinesisRequestTemplate(action: KinesisAction): string {
  return TEMPLATES[action];
}

/** URI of an API Gateway AWS integration that calls one Kinesis action. */
export function kinesisActionUri(region: string, action: KinesisAction): string {
  return `arn:aws:apigateway:${region}:kinesis:action/${action}`;
}

export interface StreamRoute {
  /** Path below the API root, e.g. `streams/{stream-name}/record`. */
  path: string;
  httpMethod: "GET" | "PUT" | "POST" | "DELETE";
  action: KinesisAction;
}

/** The stream routes of the API; creating and deleting streams only when the stack allows it. */
export function streamRoutes(allowStreamAdmin: boolean): StreamRoute[] {
  const routes: StreamRoute[] = [
    { path: "streams", httpMethod: "GET", action: "ListStreams" },
    { path: "streams/{stream-name}", httpMethod: "GET", action: "DescribeStream" },
    { path: "streams/{stream-name}/record", httpMethod: "PUT", action: "PutRecord" },
    { path: "streams/{stream-name}/records", httpMethod: "PUT", action: "PutRecords" },
  ];
  if (allowStreamAdmin) {
    routes.push(
      { path: "streams/{stream-name}", httpMethod: "POST", action: "CreateStream" },
      { path: "streams/{stream-name}", httpMethod: "DELETE", action: "DeleteStream" },
    );
  }
  return routes;
}
