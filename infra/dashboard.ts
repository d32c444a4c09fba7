// The body of the stack's CloudWatch dashboard: the data path in order, from API requests to job run results.
// Widget JSON: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html

export interface DashboardInput {
  region: string;
  api: { name: string; stage: string };
  msk: { clusterName: string };
  connectorName: string;
  dataBucket: { name: string; filterId: string };
  streams: { table: string; name: string }[];
  mwaa: { environmentName: string; dagId: string };
  jobs: { name: string; url: string }[];
  alarmArns: string[];
}

type MetricLine = (string | Record<string, unknown>)[];
type Widget = Record<string, unknown>;

const WIDTH = 12;
const HEIGHT = 6;
const PERIOD = 300;

function metricWidget(title: string, metrics: MetricLine[], region: string, extra: Widget = {}): Widget {
  return {
    type: "metric",
    properties: { title, region, view: "timeSeries", stacked: false, period: PERIOD, metrics, ...extra },
  };
}

/** The Kafka bytes in per topic, summed over the brokers. */
function kafkaBytesIn(input: DashboardInput): MetricLine[] {
  return [
    [
      {
        id: "bytes_in_per_topic",
        label: "",
        expression: `SELECT SUM(BytesInPerSec) FROM SCHEMA("AWS/Kafka", "Broker ID", "Cluster Name", "Topic") WHERE "Cluster Name" = '${input.msk.clusterName}' GROUP BY "Topic"`,
      },
    ],
  ];
}

/** Widgets, in the order records travel, laid out two per row. */
export function dashboardWidgets(input: DashboardInput): Widget[] {
  const region = input.region;
  const api = ["ApiName", input.api.name, "Stage", input.api.stage];
  const jobLinks = input.jobs.map((job) => `[${job.name}](${job.url})`).join(" · ");
  const widgets: Widget[] = [
    metricWidget(
      "1. API requests and errors",
      [
        ["AWS/ApiGateway", "Count", ...api, { stat: "Sum", label: "requests" }],
        ["AWS/ApiGateway", "4XXError", ...api, { stat: "Sum", label: "4XX" }],
        ["AWS/ApiGateway", "5XXError", ...api, { stat: "Sum", label: "5XX" }],
      ],
      region,
    ),
    metricWidget("2. Kafka bytes in per topic", kafkaBytesIn(input), region),
    metricWidget(
      "3. S3 sink connector records per second",
      [
        ["AWS/KafkaConnect", "SinkRecordReadRate", "ConnectorName", input.connectorName, { stat: "Average" }],
        ["AWS/KafkaConnect", "SinkRecordSendRate", "ConnectorName", input.connectorName, { stat: "Average" }],
        ["AWS/KafkaConnect", "ErroredTaskCount", "ConnectorName", input.connectorName, { stat: "Maximum" }],
      ],
      region,
    ),
    metricWidget(
      "4. S3 objects written by the sink",
      [
        [
          "AWS/S3",
          "PutRequests",
          "BucketName",
          input.dataBucket.name,
          "FilterId",
          input.dataBucket.filterId,
          { stat: "Sum", label: "PUT requests" },
        ],
      ],
      region,
    ),
    metricWidget(
      "5. Kinesis incoming records",
      input.streams.map((stream) => [
        "AWS/Kinesis",
        "IncomingRecords",
        "StreamName",
        stream.name,
        { stat: "Sum", label: stream.table },
      ]),
      region,
    ),
    metricWidget(
      "6. Kinesis iterator age (stream job lag)",
      input.streams.map((stream) => [
        "AWS/Kinesis",
        "GetRecords.IteratorAgeMilliseconds",
        "StreamName",
        stream.name,
        { stat: "Maximum", label: stream.table },
      ]),
      region,
    ),
    metricWidget(
      "7. Batch DAG runs (Databricks batch job)",
      ["DAGDurationSuccess", "DAGDurationFailed"].map((metric) => [
        "AmazonMWAA",
        metric,
        "Environment",
        input.mwaa.environmentName,
        "DAG",
        input.mwaa.dagId,
        { stat: "SampleCount", label: metric === "DAGDurationSuccess" ? "succeeded" : "failed" },
      ]),
      region,
      { period: 3600 },
    ),
    {
      type: "text",
      properties: {
        markdown: `### Databricks jobs\nRun history and the stream job's state: ${jobLinks}`,
      },
    },
    { type: "alarm", properties: { title: "Alarms", alarms: input.alarmArns } },
  ];
  return widgets.map((widget, index) => ({
    ...widget,
    x: (index % 2) * WIDTH,
    y: Math.floor(index / 2) * HEIGHT,
    width: WIDTH,
    height: HEIGHT,
  }));
}

export function dashboardBody(input: DashboardInput): string {
  return JSON.stringify({ widgets: dashboardWidgets(input) });
}

/** The console address of a dashboard. */
export function dashboardUrl(region: string, dashboardName: string): string {
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${dashboardName}`;
}
