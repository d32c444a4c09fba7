// The stack's CloudWatch alarms as data: which metric of which resource, which threshold from which config
// key. Generic over the type of a resource handle (a Pulumi output in the program, a string in tests).
// Metric names, namespaces and dimensions are checked against AWS documentation in test/infra/alarms.test.ts.
import { AlarmThresholds, ConfigKey } from "./config";

export interface MetricStat<T> {
  namespace: string;
  metricName: string;
  /** Resource handles, or names the program derives (an API path, a DAG id). */
  dimensions: Record<string, T | string>;
  /** A statistic (Sum, Maximum, SampleCount) or a percentile (p99). */
  stat: string;
  period: number;
}

/** One query of a metric-math or Metrics Insights alarm; an expression is text and resource handles, concatenated. */
export interface AlarmQuery<T> {
  id: string;
  metric?: MetricStat<T>;
  expression?: (string | T)[];
  period?: number;
  returnData: boolean;
}

export interface AlarmSpec<T> {
  /** The alarm's name after the stack prefix, and its resource name after the component's. */
  key: string;
  description: string;
  /** The config key the threshold (or the duration) comes from; none when any data point is an incident. */
  configKey?: ConfigKey;
  threshold: number;
  comparisonOperator: "GreaterThanOrEqualToThreshold" | "GreaterThanThreshold" | "LessThanThreshold";
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: "notBreaching" | "missing" | "breaching";
  /** A single metric, or queries whose one returned series is compared. */
  metric?: MetricStat<T>;
  queries?: AlarmQuery<T>[];
}

export interface AlarmTargets<T> {
  api: { name: T; stage: T; topicResource: string };
  streams: { table: string; name: T }[];
  msk: { clusterName: T };
  connectorName: T;
  /** The S3 sink's dead-letter topic (its name is the program's, not a resource output). */
  deadLetterTopic: string;
  /** False while streamJobPaused: a paused job reads nothing, and that is no incident. */
  streamJobRunning: boolean;
  /** The data bucket and the id of its request-metrics filter on the sink's prefix. */
  dataBucket: { name: T; filterId: T };
  proxy: { loadBalancer: T; targetGroup: T; instances: T[] };
  mwaa: { environmentName: T; dagId: string };
}

const FIVE_MINUTES = 300;
const ONE_MINUTE = 60;
const ONE_HOUR = 3600;

/** Every alarm of the stack, in the order of the data path. */
export function alarmSpecs<T>(targets: AlarmTargets<T>, thresholds: AlarmThresholds): AlarmSpec<T>[] {
  const apiDimensions = { ApiName: targets.api.name, Stage: targets.api.stage };
  const specs: AlarmSpec<T>[] = [
    {
      key: "api-5xx",
      description: `The ingest API answered ${thresholds.api5xxErrors} or more requests with 5XX in 5 minutes: the REST proxy, MSK or Kinesis behind it is failing.`,
      configKey: "alarmApi5xxErrors",
      threshold: thresholds.api5xxErrors,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: "notBreaching",
      metric: {
        namespace: "AWS/ApiGateway",
        metricName: "5XXError",
        dimensions: apiDimensions,
        stat: "Sum",
        period: FIVE_MINUTES,
      },
    },
    {
      key: "api-latency-p99",
      description: `The ingest API's p99 latency stayed above ${thresholds.apiLatencyP99Ms} ms for 15 minutes.`,
      configKey: "alarmApiLatencyP99Ms",
      threshold: thresholds.apiLatencyP99Ms,
      comparisonOperator: "GreaterThanThreshold",
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: "notBreaching",
      metric: {
        namespace: "AWS/ApiGateway",
        metricName: "Latency",
        dimensions: apiDimensions,
        stat: "p99",
        period: FIVE_MINUTES,
      },
    },
  ];

  for (const stream of targets.streams) {
    // A stopped stream job makes no GetRecords call, so the iterator-age alarm sees no data (not breaching).
    // GetRecords.Success counts every call, empty reads included (AWS Kinesis developer guide, "Monitor the
    // Amazon Kinesis Data Streams service with CloudWatch", stream-level metrics); the Databricks Kinesis
    // source polls with GetRecords (its permissions: ListShards, GetRecords, GetShardIterator,
    // docs.databricks.com/aws/en/connect/streaming/kinesis). Missing data counts as breaching (CloudWatch user
    // guide, "Configuring how CloudWatch alarms treat missing data"), so no call at all fires the alarm.
    if (targets.streamJobRunning) {
      const periods = thresholds.streamIdleMinutes / 5;
      specs.push({
        key: `${stream.table}-stream-not-read`,
        description: `Nothing read the ${stream.table} stream for ${thresholds.streamIdleMinutes} minutes (no successful GetRecords): the stream job is stopped or failing.`,
        configKey: "alarmStreamIdleMinutes",
        threshold: 1,
        comparisonOperator: "LessThanThreshold",
        evaluationPeriods: periods,
        datapointsToAlarm: periods,
        treatMissingData: "breaching",
        metric: {
          namespace: "AWS/Kinesis",
          metricName: "GetRecords.Success",
          dimensions: { StreamName: stream.name },
          stat: "Sum",
          period: FIVE_MINUTES,
        },
      });
    }
    specs.push(
      {
        key: `${stream.table}-stream-iterator-age`,
        description: `The stream job reads the ${stream.table} stream more than ${thresholds.iteratorAgeMs} ms behind its newest record: it is stuck or too slow.`,
        configKey: "alarmIteratorAgeMs",
        threshold: thresholds.iteratorAgeMs,
        comparisonOperator: "GreaterThanThreshold",
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        treatMissingData: "notBreaching",
        metric: {
          namespace: "AWS/Kinesis",
          metricName: "GetRecords.IteratorAgeMilliseconds",
          dimensions: { StreamName: stream.name },
          stat: "Maximum",
          period: FIVE_MINUTES,
        },
      },
      {
        key: `${stream.table}-stream-write-throttles`,
        description: `The ${stream.table} stream refused ${thresholds.kinesisWriteThrottles} or more writes in 5 minutes (WriteProvisionedThroughputExceeded): add shards or use on-demand mode.`,
        configKey: "alarmKinesisWriteThrottles",
        threshold: thresholds.kinesisWriteThrottles,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        treatMissingData: "notBreaching",
        metric: {
          namespace: "AWS/Kinesis",
          metricName: "WriteProvisionedThroughputExceeded",
          dimensions: { StreamName: stream.name },
          stat: "Sum",
          period: FIVE_MINUTES,
        },
      },
    );
  }

  specs.push(
    {
      key: "msk-disk-used",
      description: `An MSK broker's data disk is more than ${thresholds.mskDiskUsedPercent}% full: raise mskBrokerVolumeGb before the broker stops accepting records.`,
      configKey: "alarmMskDiskUsedPercent",
      threshold: thresholds.mskDiskUsedPercent,
      comparisonOperator: "GreaterThanThreshold",
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: "notBreaching",
      metric: {
        namespace: "AWS/Kafka",
        metricName: "KafkaDataLogsDiskUsed",
        dimensions: { "Cluster Name": targets.msk.clusterName },
        stat: "Maximum",
        period: FIVE_MINUTES,
      },
    },
    {
      key: "msk-cpu-user",
      description: `An MSK broker's user CPU stayed above ${thresholds.mskCpuUserPercent}% for 15 minutes: use a larger mskBrokerInstanceType.`,
      configKey: "alarmMskCpuUserPercent",
      threshold: thresholds.mskCpuUserPercent,
      comparisonOperator: "GreaterThanThreshold",
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: "notBreaching",
      // The busiest broker, whatever the brokers' ids (a Metrics Insights query returning one series).
      queries: [
        {
          id: "busiest_broker",
          expression: [
            `SELECT MAX(CpuUser) FROM SCHEMA("AWS/Kafka", "Broker ID", "Cluster Name") WHERE "Cluster Name" = '`,
            targets.msk.clusterName,
            "'",
          ],
          period: FIVE_MINUTES,
          returnData: true,
        },
      ],
    },
  );

  const noObjectsPeriod = thresholds.noNewObjectsHours * ONE_HOUR;
  specs.push(
    {
      key: "s3-sink-errored-tasks",
      description: `The S3 sink connector has ${thresholds.connectorErroredTasks} or more errored tasks: records of their partitions no longer reach the data bucket.`,
      configKey: "alarmConnectorErroredTasks",
      threshold: thresholds.connectorErroredTasks,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: "notBreaching",
      metric: {
        namespace: "AWS/KafkaConnect",
        metricName: "ErroredTaskCount",
        dimensions: { ConnectorName: targets.connectorName },
        stat: "Maximum",
        period: FIVE_MINUTES,
      },
    },
    {
      // Any record on the dead-letter topic is one the sink could not write. BytesInPerSec per topic is a
      // DEFAULT-level MSK metric (dimensions Cluster Name, Broker ID, Topic; MSK developer guide, "Amazon MSK
      // metrics for monitoring Standard brokers with CloudWatch"); the query takes the busiest broker.
      key: "s3-sink-dead-letters",
      description: `Records reached the S3 sink's dead-letter topic ${targets.deadLetterTopic}: the connector could not convert them; they are kept there, not in the bucket.`,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: "notBreaching",
      queries: [
        {
          id: "dead_letter_bytes",
          expression: [
            `SELECT MAX(BytesInPerSec) FROM SCHEMA("AWS/Kafka", "Broker ID", "Cluster Name", "Topic") WHERE "Cluster Name" = '`,
            targets.msk.clusterName,
            `' AND "Topic" = '${targets.deadLetterTopic}'`,
          ],
          period: FIVE_MINUTES,
          returnData: true,
        },
      ],
    },
    {
      key: "s3-sink-no-new-objects",
      description: `The API took topic records but no new object reached the sink's prefix of the data bucket for ${thresholds.noNewObjectsHours} h: the connector is down or failing.`,
      configKey: "alarmNoNewObjectsHours",
      threshold: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: "notBreaching",
      queries: [
        {
          id: "topic_requests",
          metric: {
            namespace: "AWS/ApiGateway",
            metricName: "Count",
            dimensions: {
              ApiName: targets.api.name,
              Method: "POST",
              Resource: targets.api.topicResource,
              Stage: targets.api.stage,
            },
            stat: "Sum",
            period: noObjectsPeriod,
          },
          returnData: false,
        },
        {
          id: "sink_puts",
          metric: {
            namespace: "AWS/S3",
            metricName: "PutRequests",
            dimensions: { BucketName: targets.dataBucket.name, FilterId: targets.dataBucket.filterId },
            stat: "Sum",
            period: noObjectsPeriod,
          },
          returnData: false,
        },
        {
          id: "traffic_without_objects",
          // No PUT at all in the period leaves sink_puts without a data point; FILL makes that a zero.
          expression: ["IF(topic_requests > 0 AND FILL(sink_puts, 0) == 0, 1, 0)"],
          returnData: true,
        },
      ],
    },
    {
      key: "rest-proxy-unhealthy-targets",
      description: `${thresholds.unhealthyProxyTargets} or more REST proxy instances fail the load balancer's health check for 3 minutes: POST /topics answers 5XX.`,
      configKey: "alarmUnhealthyProxyTargets",
      threshold: thresholds.unhealthyProxyTargets,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: "notBreaching",
      metric: {
        namespace: "AWS/NetworkELB",
        metricName: "UnHealthyHostCount",
        dimensions: { LoadBalancer: targets.proxy.loadBalancer, TargetGroup: targets.proxy.targetGroup },
        stat: "Maximum",
        period: ONE_MINUTE,
      },
    },
  );

  targets.proxy.instances.forEach((instanceId, index) =>
    specs.push({
      key: `rest-proxy-${index}-status-check`,
      description: `REST proxy instance ${index} failed its EC2 status checks for ${thresholds.statusCheckFailedMinutes} minutes in a row.`,
      configKey: "alarmStatusCheckFailedMinutes",
      threshold: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      evaluationPeriods: thresholds.statusCheckFailedMinutes,
      datapointsToAlarm: thresholds.statusCheckFailedMinutes,
      treatMissingData: "missing",
      metric: {
        namespace: "AWS/EC2",
        metricName: "StatusCheckFailed",
        dimensions: { InstanceId: instanceId },
        stat: "Maximum",
        period: ONE_MINUTE,
      },
    }),
  );

  specs.push({
    key: "dag-run-failed",
    description: `${thresholds.dagRunFailures} or more runs of DAG ${targets.mwaa.dagId} failed within an hour: the batch job did not produce the gold tables.`,
    configKey: "alarmDagRunFailures",
    threshold: thresholds.dagRunFailures,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    treatMissingData: "notBreaching",
    metric: {
      namespace: "AmazonMWAA",
      metricName: "DAGDurationFailed",
      dimensions: {
        Environment: targets.mwaa.environmentName,
        DAG: targets.mwaa.dagId,
      },
      stat: "SampleCount",
      period: ONE_HOUR,
    },
  });
  return specs;
}
