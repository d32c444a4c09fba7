// API Gateway request templates (VTL) that turn the stream routes of docs/contract.md section 2 into Kinesis API calls.
// The stream comes from the path, so the role's stream scope decides what a caller can reach.
import type { PutRecordBody, PutRecordsBody } from "../contract/wire";

export type KinesisAction = "DescribeStream" | "PutRecord" | "PutRecords" | "CreateStream" | "DeleteStream";

const STREAM_FROM_PATH = `"StreamName": "$input.params('stream-name')"`;

/**
 * A string value spliced into the JSON request as a JSON string: `$util.escapeJavaScript` escapes quotes,
 * backslashes and control characters, so a `"` in the value cannot end the string and add fields; it also
 * turns `'` into `\'`, which JSON does not allow, so that one is turned back (the API Gateway developer
 * guide's `$util` reference gives this `.replaceAll("\\'","'")` for JSON output).
 */
export const jsonStringOf = (reference: string): string =>
  `$util.escapeJavaScript(${reference}).replaceAll("\\\\'","'")`;

/** A field of the request bodies of contract/wire.ts, so that the compiler holds the templates to the wire contract. */
const field = <F extends keyof PutRecordBody | keyof PutRecordsBody>(name: F): F => name;

/** `Data` is the JSON of the row; Kinesis wants it base64 encoded. */
const TEMPLATES: Record<KinesisAction, string> = {
  DescribeStream: `{${STREAM_FROM_PATH}}`,
  PutRecord: [
    "{",
    `  ${STREAM_FROM_PATH},`,
    `  "Data": "$util.base64Encode($input.json('$.${field("Data")}'))",`,
    `  "PartitionKey": "${jsonStringOf(`$input.path('$.${field("PartitionKey")}')`)}"`,
    "}",
  ].join("\n"),
  PutRecords: [
    "{",
    `  ${STREAM_FROM_PATH},`,
    `  "Records": [`,
    `    #foreach($record in $input.path('$.${field("Records")}'))`,
    `    {`,
    `      "Data": "$util.base64Encode($input.json("$.${field("Records")}[$foreach.index].${field("Data")}"))",`,
    `      "PartitionKey": "${jsonStringOf(`$record.${field("PartitionKey")}`)}"`,
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

/**
 * The stream routes of the API; creating and deleting streams only when the stack allows it. No `GET /streams`:
 * ListStreams has no resource scope, so it would list every stream of the account to any key holder.
 */
export function streamRoutes(allowStreamAdmin: boolean): StreamRoute[] {
  const routes: StreamRoute[] = [
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

/** Kinesis' throttling errors (answered with HTTP 400, like a bad request): worth retrying, so the API says 429. */
export const KINESIS_THROTTLING_TYPES = ["ProvisionedThroughputExceededException", "KMSThrottlingException"];

/**
 * Response template of a Kinesis 4xx: the answer passes through, and a throttling error's status becomes 429
 * (`$context.responseOverride.status`, the API Gateway developer guide's "Override your API's request and
 * response parameters and status codes"), so callers retry it instead of treating it as a bad request.
 */
export const KINESIS_CLIENT_ERROR_RESPONSE_TEMPLATE = [
  `#if($input.path('$.__type').matches('.*(${KINESIS_THROTTLING_TYPES.join("|")})'))`,
  "#set($context.responseOverride.status = 429)",
  "#end",
  "$input.json('$')",
].join("\n");
