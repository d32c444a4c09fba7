// The alarm specs of infra/alarms.ts: each alarm's namespace, metric, statistic and dimension names as AWS
// documents them, its threshold and the config key it comes from.
import { expect } from "chai";
import { AlarmSpec, alarmSpecs, AlarmTargets } from "../../infra/alarms";
import { AlarmThresholds, CONFIG_KEYS, parseConfig } from "../../infra/config";
import { PROJECT } from "../../infra/names";
import { loadStackConfig } from "./harness/stackConfig";
import { REQUIRED_USER_SET } from "./harness/fixtures";

const DEV_USER_SET = REQUIRED_USER_SET;

const THRESHOLDS: AlarmThresholds = {
  api5xxErrors: 7,
  apiLatencyP99Ms: 2500,
  iteratorAgeMs: 900_000,
  kinesisWriteThrottles: 3,
  mskDiskUsedPercent: 75,
  mskCpuUserPercent: 55,
  connectorErroredTasks: 2,
  noNewObjectsHours: 3,
  unhealthyProxyTargets: 1,
  statusCheckFailedMinutes: 4,
  dagRunFailures: 1,
  streamIdleMinutes: 20,
};

const TARGETS: AlarmTargets<string> = {
  api: { name: "pp-ingest", stage: "dev", topicResource: "/topics/{topic}" },
  streams: [
    { table: "pin", name: "stream-a" },
    { table: "geo", name: "stream-b" },
  ],
  msk: { clusterName: "cluster-x" },
  connectorName: "connector-y",
  deadLetterTopic: "pp.s3-sink.dead-letter",
  streamJobRunning: true,
  dataBucket: { name: "bucket-z", filterId: "filter-f" },
  proxy: { loadBalancer: "net/lb/1", targetGroup: "targetgroup/tg/2", instances: ["i-1", "i-2"] },
  mwaa: { environmentName: "env-e", dagId: "dag-d" },
};

interface Expected {
  key: string;
  namespace: string;
  metricName: string;
  stat: string;
  dimensions: Record<string, string>;
  configKey: string;
  threshold: number;
}

// Namespaces, metric names, dimensions and statistics, each from the service's CloudWatch documentation:
const EXPECTED: Expected[] = [
  // API Gateway REST API: AWS/ApiGateway, 5XXError (Sum = count) and Latency (ms), dimensions ApiName + Stage.
  // https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html
  {
    key: "api-5xx",
    namespace: "AWS/ApiGateway",
    metricName: "5XXError",
    stat: "Sum",
    dimensions: { ApiName: "pp-ingest", Stage: "dev" },
    configKey: "alarmApi5xxErrors",
    threshold: 7,
  },
  {
    key: "api-latency-p99",
    namespace: "AWS/ApiGateway",
    metricName: "Latency",
    stat: "p99",
    dimensions: { ApiName: "pp-ingest", Stage: "dev" },
    configKey: "alarmApiLatencyP99Ms",
    threshold: 2500,
  },
  // Kinesis stream-level metrics: AWS/Kinesis, dimension StreamName; GetRecords.IteratorAgeMilliseconds
  // (Maximum tracks consumer progress), WriteProvisionedThroughputExceeded (Sum).
  // https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-cloudwatch.html
  ...["pin", "geo"].flatMap((table, index) => [
    {
      key: `${table}-stream-iterator-age`,
      namespace: "AWS/Kinesis",
      metricName: "GetRecords.IteratorAgeMilliseconds",
      stat: "Maximum",
      dimensions: { StreamName: `stream-${"ab"[index]}` },
      configKey: "alarmIteratorAgeMs",
      threshold: 900_000,
    },
    // GetRecords.Success: successful GetRecords calls per stream (Sum = their number), the same page.
    {
      key: `${table}-stream-not-read`,
      namespace: "AWS/Kinesis",
      metricName: "GetRecords.Success",
      stat: "Sum",
      dimensions: { StreamName: `stream-${"ab"[index]}` },
      configKey: "alarmStreamIdleMinutes",
      threshold: 1,
    },
    {
      key: `${table}-stream-write-throttles`,
      namespace: "AWS/Kinesis",
      metricName: "WriteProvisionedThroughputExceeded",
      stat: "Sum",
      dimensions: { StreamName: `stream-${"ab"[index]}` },
      configKey: "alarmKinesisWriteThrottles",
      threshold: 3,
    },
  ]),
  // MSK DEFAULT-level metric KafkaDataLogsDiskUsed exists with the "Cluster Name" dimension alone (percent).
  // https://docs.aws.amazon.com/msk/latest/developerguide/metrics-details.html
  // (awsdocs/amazon-msk-developer-guide@4342322:doc_source/metrics-details.md, DEFAULT level table)
  {
    key: "msk-disk-used",
    namespace: "AWS/Kafka",
    metricName: "KafkaDataLogsDiskUsed",
    stat: "Maximum",
    dimensions: { "Cluster Name": "cluster-x" },
    configKey: "alarmMskDiskUsedPercent",
    threshold: 75,
  },
  // MSK Connect: metrics under the ConnectorName dimension, ErroredTaskCount among them.
  // https://docs.aws.amazon.com/msk/latest/developerguide/mkc-monitoring-overview.html
  // Namespace AWS/KafkaConnect: confluentinc/kcp internal/.../metrics (connectorMetricStats, "each
  // AWS/KafkaConnect CloudWatch metric"), the namespace the MSK Connect console graphs.
  {
    key: "s3-sink-errored-tasks",
    namespace: "AWS/KafkaConnect",
    metricName: "ErroredTaskCount",
    stat: "Maximum",
    dimensions: { ConnectorName: "connector-y" },
    configKey: "alarmConnectorErroredTasks",
    threshold: 2,
  },
  // Network Load Balancer: AWS/NetworkELB UnHealthyHostCount with dimensions LoadBalancer + TargetGroup
  // (their ARN suffixes). https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-cloudwatch-metrics.html
  {
    key: "rest-proxy-unhealthy-targets",
    namespace: "AWS/NetworkELB",
    metricName: "UnHealthyHostCount",
    stat: "Maximum",
    dimensions: { LoadBalancer: "net/lb/1", TargetGroup: "targetgroup/tg/2" },
    configKey: "alarmUnhealthyProxyTargets",
    threshold: 1,
  },
  // EC2 status checks: AWS/EC2 StatusCheckFailed (0 passed, 1 failed) per InstanceId.
  // https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/viewing_metrics_with_cloudwatch.html#status-check-metrics
  ...["i-1", "i-2"].map((instance, index) => ({
    key: `rest-proxy-${index}-status-check`,
    namespace: "AWS/EC2",
    metricName: "StatusCheckFailed",
    stat: "Maximum",
    dimensions: { InstanceId: instance },
    configKey: "alarmStatusCheckFailedMinutes",
    threshold: 1,
  })),
  // MWAA: namespace AmazonMWAA, DAGDurationFailed (dagrun.duration.failed.<dag_id>) with dimension DAG (and the
  // environment); SampleCount = number of failed runs.
  // awsdocs/amazon-mwaa-user-guide@3768c0b:doc_source/access-metrics-cw-202.md (Terms, Dimensions, Timers)
  {
    key: "dag-run-failed",
    namespace: "AmazonMWAA",
    metricName: "DAGDurationFailed",
    stat: "SampleCount",
    dimensions: { Environment: "env-e", DAG: "dag-d" },
    configKey: "alarmDagRunFailures",
    threshold: 1,
  },
];

const byKey = (specs: AlarmSpec<string>[], key: string) => {
  const found = specs.find((spec) => spec.key === key);
  if (!found) throw new Error(`no alarm ${key}`);
  return found;
};

describe("alarm specs (infra/alarms.ts)", () => {
  const specs = alarmSpecs(TARGETS, THRESHOLDS);

  it("has one alarm per documented signal, with unique keys", () => {
    expect(specs.map((spec) => spec.key).sort()).to.deep.equal(
      [
        ...EXPECTED.map((expected) => expected.key),
        "msk-cpu-user",
        "s3-sink-dead-letters",
        "s3-sink-no-new-objects",
      ].sort(),
    );
  });

  for (const expected of EXPECTED) {
    it(`${expected.key}: ${expected.namespace} ${expected.metricName} on the target's dimensions, threshold from ${expected.configKey}`, () => {
      const spec = byKey(specs, expected.key);
      expect(spec.metric).to.deep.include({
        namespace: expected.namespace,
        metricName: expected.metricName,
        stat: expected.stat,
      });
      expect(spec.metric?.dimensions).to.deep.equal(expected.dimensions);
      expect(spec.configKey).to.equal(expected.configKey);
      expect(spec.threshold).to.equal(expected.threshold);
    });
  }

  it("every config key named by an alarm exists and sets that alarm's threshold (or duration)", () => {
    // The dev stack's config as the CLI hands it over (Pulumi.yaml defaults, Pulumi.dev.yaml, what users set).
    const { values } = loadStackConfig("dev", DEV_USER_SET, []);
    const base = values;
    // A value inside each key's valid range that differs from its default.
    const setTo = (configKey: string) =>
      ({ alarmApiLatencyP99Ms: 100, alarmIteratorAgeMs: 5000, alarmStreamIdleMinutes: 25 })[
        configKey as string
      ] ?? 5;
    for (const spec of specs) {
      if (spec.configKey === undefined) continue;
      expect(CONFIG_KEYS).to.include(spec.configKey);
      const value = setTo(spec.configKey);
      const config = parseConfig({ ...base, [`${PROJECT}:${spec.configKey}`]: String(value) }, "dev");
      const again = alarmSpecs(TARGETS, config.monitoring.thresholds).find(
        (candidate) => candidate.key === spec.key,
      ) as AlarmSpec<string>;
      if (spec.configKey === "alarmNoNewObjectsHours")
        expect(again.queries?.[0].metric?.period, spec.key).to.equal(value * 3600);
      else if (spec.configKey === "alarmStatusCheckFailedMinutes")
        expect(again.evaluationPeriods, spec.key).to.equal(value);
      else if (spec.configKey === "alarmStreamIdleMinutes")
        expect(again.evaluationPeriods * (again.metric?.period ?? 0), spec.key).to.equal(value * 60);
      else expect(again.threshold, spec.key).to.equal(value);
    }
  });

  it("msk-cpu-user watches the busiest broker of this cluster with a Metrics Insights query", () => {
    // Alarms on a Metrics Insights query that returns one series:
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Metrics_Insights_Alarm.html
    // CpuUser: DEFAULT level, dimensions Cluster Name + Broker ID (metrics-details.md as above).
    const spec = byKey(specs, "msk-cpu-user");
    expect(spec.metric).to.equal(undefined);
    expect(spec.queries).to.have.length(1);
    expect(spec.queries?.[0].expression?.join("")).to.equal(
      `SELECT MAX(CpuUser) FROM SCHEMA("AWS/Kafka", "Broker ID", "Cluster Name") WHERE "Cluster Name" = 'cluster-x'`,
    );
    expect(spec.threshold).to.equal(55);
    expect(spec.configKey).to.equal("alarmMskCpuUserPercent");
  });

  it("s3-sink-no-new-objects fires on topic requests without sink PUTs over the configured hours", () => {
    // S3 request metrics: AWS/S3 PutRequests, dimensions BucketName + FilterId (the metrics configuration),
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/metrics-dimensions.html#s3-request-cloudwatch-metrics
    // API Gateway detailed metrics: dimensions ApiName, Method, Resource, Stage (api-gateway-metrics-and-dimensions).
    // IF, AND and FILL in metric math: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html
    const spec = byKey(specs, "s3-sink-no-new-objects");
    const [requests, puts, result] = spec.queries ?? [];
    expect(requests.metric).to.deep.equal({
      namespace: "AWS/ApiGateway",
      metricName: "Count",
      dimensions: { ApiName: "pp-ingest", Method: "POST", Resource: "/topics/{topic}", Stage: "dev" },
      stat: "Sum",
      period: 3 * 3600,
    });
    expect(puts.metric).to.deep.equal({
      namespace: "AWS/S3",
      metricName: "PutRequests",
      dimensions: { BucketName: "bucket-z", FilterId: "filter-f" },
      stat: "Sum",
      period: 3 * 3600,
    });
    expect([requests.returnData, puts.returnData, result.returnData]).to.deep.equal([false, false, true]);
    expect(result.expression?.join("")).to.equal(`IF(${requests.id} > 0 AND FILL(${puts.id}, 0) == 0, 1, 0)`);
    expect(spec.configKey).to.equal("alarmNoNewObjectsHours");
  });

  it("a stream nobody reads fires its not-read alarm: missing GetRecords.Success data counts as breaching", () => {
    // A stopped job makes no GetRecords call, so there is no data point at all; with treatMissingData
    // "breaching" CloudWatch counts each missing period as breaching (CloudWatch user guide, "Configuring how
    // CloudWatch alarms treat missing data"). The iterator-age alarm, not breaching on missing data, cannot.
    const spec = byKey(specs, "pin-stream-not-read");
    expect(spec).to.deep.include({
      treatMissingData: "breaching",
      comparisonOperator: "LessThanThreshold",
      threshold: 1,
      evaluationPeriods: 4,
      datapointsToAlarm: 4,
    });
    expect(spec.metric?.period).to.equal(300);
    expect(byKey(specs, "pin-stream-iterator-age").treatMissingData).to.equal("notBreaching");
    // A paused stream job (streamJobPaused) reads nothing on purpose: no not-read alarm then.
    const paused = alarmSpecs({ ...TARGETS, streamJobRunning: false }, THRESHOLDS);
    expect(paused.filter((candidate) => candidate.key.endsWith("-stream-not-read"))).to.deep.equal([]);
  });

  it("s3-sink-dead-letters fires on any byte written to the sink's dead-letter topic", () => {
    // BytesInPerSec with dimensions Cluster Name, Broker ID, Topic is a DEFAULT-level MSK metric
    // (https://docs.aws.amazon.com/msk/latest/developerguide/metrics-details.html, DEFAULT level table), so no
    // enhanced monitoring is needed; Metrics Insights takes the busiest broker as one series
    // (Create_Metrics_Insights_Alarm.html).
    const spec = byKey(specs, "s3-sink-dead-letters");
    expect(spec.queries?.[0].expression?.join("")).to.equal(
      `SELECT MAX(BytesInPerSec) FROM SCHEMA("AWS/Kafka", "Broker ID", "Cluster Name", "Topic") WHERE "Cluster Name" = 'cluster-x' AND "Topic" = 'pp.s3-sink.dead-letter'`,
    );
    expect(spec).to.deep.include({ threshold: 0, comparisonOperator: "GreaterThanThreshold" });
    expect(spec.configKey).to.equal(undefined);
  });

  it("alarm periods are ones CloudWatch accepts and no evaluation window exceeds a day", () => {
    // Period: 10, 30 or a multiple of 60 seconds; periods times evaluation periods at most one day
    // (PutMetricAlarm: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
    for (const spec of alarmSpecs(TARGETS, {
      ...THRESHOLDS,
      noNewObjectsHours: 24,
      statusCheckFailedMinutes: 60,
      streamIdleMinutes: 1440,
    })) {
      const periods = [
        spec.metric?.period,
        ...(spec.queries ?? []).map((query) => query.period ?? query.metric?.period),
      ].filter((period): period is number => period !== undefined);
      expect(periods, spec.key).not.to.have.length(0);
      for (const period of periods) {
        expect(period % 60, spec.key).to.equal(0);
        expect(period * spec.evaluationPeriods, spec.key).to.be.at.most(86_400);
      }
      expect(spec.datapointsToAlarm).to.be.at.most(spec.evaluationPeriods);
    }
  });

  it("one status-check alarm per REST proxy instance", () => {
    const one = alarmSpecs({ ...TARGETS, proxy: { ...TARGETS.proxy, instances: ["i-9"] } }, THRESHOLDS);
    expect(
      one.filter((spec) => spec.key.endsWith("-status-check")).map((spec) => spec.metric?.dimensions),
    ).to.deep.equal([{ InstanceId: "i-9" }]);
  });
});
