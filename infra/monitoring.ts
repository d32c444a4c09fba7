// Monitoring: the alarm topic (with e-mail subscriptions), the alarms of alarms.ts on this stack's resources,
// the request metrics of the sink's prefix, the dashboard of dashboard.ts, and the monthly budget.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlarmQuery, alarmSpecs, AlarmTargets, MetricStat } from "./alarms";
import { AlarmThresholds } from "./config";
import { dashboardBody, dashboardUrl } from "./dashboard";
import { alarmTopicPolicy } from "./operationsIam";

export interface MonitoringArgs {
  prefix: string;
  region: string;
  accountId: pulumi.Input<string>;
  alarmEmails: string[];
  thresholds: AlarmThresholds;
  budget: { monthlyUsd: number; alertPercent: number };
  api: { name: pulumi.Input<string>; stage: pulumi.Input<string>; topicResource: string };
  streams: { table: string; name: pulumi.Input<string> }[];
  msk: { clusterName: pulumi.Input<string> };
  connectorName: pulumi.Input<string>;
  deadLetterTopic: string;
  streamJobRunning: boolean;
  dataBucket: aws.s3.Bucket;
  /** The key prefix the S3 sink writes under; its PUT requests are the "new objects" signal. */
  sinkPrefix: string;
  proxy: {
    loadBalancerArnSuffix: pulumi.Input<string>;
    targetGroupArnSuffix: pulumi.Input<string>;
    instanceIds: pulumi.Input<string>[];
  };
  mwaa: { environmentName: pulumi.Input<string>; dagId: string };
  jobs: { name: string; url: pulumi.Input<string> }[];
}

type Handle = pulumi.Input<string>;

/** The cluster name in an MSK cluster ARN (arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>). */
export function mskClusterNameFromArn(arn: string): string {
  const match = /^arn:aws[a-z-]*:kafka:[^:]*:[0-9]*:cluster\/([^/]+)\/[^/]+$/.exec(arn);
  if (!match)
    throw new Error(
      `"${arn}" is not an MSK cluster ARN (arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>)`,
    );
  return match[1];
}

/** The fixed folder in front of the sink's object keys: the file name template up to its first variable. */
export function sinkKeyPrefix(fileNameTemplate: string): string {
  const variable = fileNameTemplate.indexOf("{");
  const prefix = fileNameTemplate.slice(0, variable < 0 ? fileNameTemplate.length : variable);
  return prefix.slice(0, prefix.lastIndexOf("/") + 1);
}

const concat = (parts: (string | Handle)[]) => pulumi.concat(...parts);

function queryArgs(query: AlarmQuery<Handle>): aws.types.input.cloudwatch.MetricAlarmMetricQuery {
  return {
    id: query.id,
    returnData: query.returnData,
    ...(query.period !== undefined ? { period: query.period } : {}),
    ...(query.expression !== undefined ? { expression: concat(query.expression) } : {}),
    ...(query.metric !== undefined ? { metric: query.metric } : {}),
  };
}

function singleMetricArgs(metric: MetricStat<Handle>) {
  return {
    namespace: metric.namespace,
    metricName: metric.metricName,
    dimensions: metric.dimensions,
    period: metric.period,
    ...(/^p[0-9]/.test(metric.stat) ? { extendedStatistic: metric.stat } : { statistic: metric.stat }),
  };
}

export class Monitoring extends pulumi.ComponentResource {
  readonly alarmTopic: aws.sns.Topic;
  readonly alarms: aws.cloudwatch.MetricAlarm[];
  readonly dashboard: aws.cloudwatch.Dashboard;
  readonly dashboardUrl: pulumi.Output<string>;
  readonly budget: aws.budgets.Budget;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pinterest:pipeline:Monitoring", name, {}, opts);
    const parent = { parent: this };

    // ---- where notifications go ----
    this.alarmTopic = new aws.sns.Topic(`${name}-alarms`, { name: `${args.prefix}-alarms` }, parent);
    const topicPolicy = new aws.sns.TopicPolicy(
      `${name}-alarms`,
      {
        arn: this.alarmTopic.arn,
        policy: pulumi
          .all([this.alarmTopic.arn, args.accountId])
          .apply(([topicArn, accountId]) => JSON.stringify(alarmTopicPolicy(topicArn, accountId))),
      },
      parent,
    );
    args.alarmEmails.forEach(
      (endpoint, index) =>
        new aws.sns.TopicSubscription(
          `${name}-alarm-email-${index}`,
          { topic: this.alarmTopic.arn, protocol: "email", endpoint },
          parent,
        ),
    );

    // ---- S3 request metrics of the sink's objects (S3 publishes PutRequests only for a metrics filter) ----
    const sinkObjects = new aws.s3.BucketMetric(
      `${name}-sink-objects`,
      { bucket: args.dataBucket.id, name: "sink-objects", filter: { prefix: args.sinkPrefix } },
      parent,
    );

    // ---- alarms ----
    const targets: AlarmTargets<Handle> = {
      api: args.api,
      streams: args.streams,
      msk: { clusterName: args.msk.clusterName },
      connectorName: args.connectorName,
      deadLetterTopic: args.deadLetterTopic,
      streamJobRunning: args.streamJobRunning,
      dataBucket: { name: args.dataBucket.bucket, filterId: sinkObjects.name },
      proxy: {
        loadBalancer: args.proxy.loadBalancerArnSuffix,
        targetGroup: args.proxy.targetGroupArnSuffix,
        instances: args.proxy.instanceIds,
      },
      mwaa: args.mwaa,
    };
    const actions = [this.alarmTopic.arn];
    this.alarms = alarmSpecs(targets, args.thresholds).map(
      (spec) =>
        new aws.cloudwatch.MetricAlarm(
          `${name}-${spec.key}`,
          {
            name: `${args.prefix}-${spec.key}`,
            alarmDescription: `${spec.description} Threshold: ${spec.configKey ? `config ${spec.configKey}` : "any data point"} (docs/operations.md).`,
            comparisonOperator: spec.comparisonOperator,
            threshold: spec.threshold,
            evaluationPeriods: spec.evaluationPeriods,
            datapointsToAlarm: spec.datapointsToAlarm,
            treatMissingData: spec.treatMissingData,
            alarmActions: actions,
            okActions: actions,
            ...(spec.metric !== undefined ? singleMetricArgs(spec.metric) : {}),
            ...(spec.queries !== undefined ? { metricQueries: spec.queries.map(queryArgs) } : {}),
          },
          { parent: this, dependsOn: [topicPolicy] },
        ),
    );

    // ---- dashboard ----
    const dashboardName = `${args.prefix}-pipeline`;
    this.dashboard = new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      {
        dashboardName,
        dashboardBody: pulumi
          .all([
            pulumi.all([args.api.name, args.api.stage, args.msk.clusterName, args.connectorName]),
            pulumi.all([args.dataBucket.bucket, sinkObjects.name, args.mwaa.environmentName]),
            pulumi.all(args.streams.map((stream) => stream.name)),
            pulumi.all(args.jobs.map((job) => job.url)),
            pulumi.all(this.alarms.map((alarm) => alarm.arn)),
          ])
          .apply(
            ([
              [apiName, stage, clusterName, connectorName],
              [bucketName, filterId, environmentName],
              streamNames,
              jobUrls,
              alarmArns,
            ]) =>
              dashboardBody({
                region: args.region,
                api: { name: apiName, stage },
                msk: { clusterName },
                connectorName,
                dataBucket: { name: bucketName, filterId },
                streams: args.streams.map((stream, index) => ({
                  table: stream.table,
                  name: streamNames[index],
                })),
                mwaa: { environmentName, dagId: args.mwaa.dagId },
                jobs: args.jobs.map((job, index) => ({ name: job.name, url: jobUrls[index] })),
                alarmArns,
              }),
          ),
      },
      parent,
    );
    this.dashboardUrl = pulumi.output(dashboardUrl(args.region, dashboardName));

    // ---- cost ----
    // Costs of the resources tagged prefix=<prefix> (the provider's default tags); the tag must be activated
    // once as a cost allocation tag in the Billing console (docs/operations.md).
    this.budget = new aws.budgets.Budget(
      `${name}-budget`,
      {
        name: `${args.prefix}-monthly`,
        budgetType: "COST",
        limitAmount: String(args.budget.monthlyUsd),
        limitUnit: "USD",
        timeUnit: "MONTHLY",
        costFilters: [{ name: "TagKeyValue", values: [`user:prefix$${args.prefix}`] }],
        notifications: [
          {
            notificationType: "ACTUAL",
            comparisonOperator: "GREATER_THAN",
            threshold: args.budget.alertPercent,
            thresholdType: "PERCENTAGE",
            subscriberSnsTopicArns: [this.alarmTopic.arn],
          },
          {
            notificationType: "FORECASTED",
            comparisonOperator: "GREATER_THAN",
            threshold: 100,
            thresholdType: "PERCENTAGE",
            subscriberSnsTopicArns: [this.alarmTopic.arn],
          },
        ],
      },
      { parent: this, dependsOn: [topicPolicy] },
    );

    this.registerOutputs({
      alarmTopicArn: this.alarmTopic.arn,
      alarmArns: this.alarms.map((alarm) => alarm.arn),
      dashboardUrl: this.dashboardUrl,
    });
  }
}
