// Operating the stack, under mocks for dev and prod: the alarm topic and its subscriptions, every alarm on this
// stack's resources with its threshold from config, the dashboard naming real resources, the budget, the
// Databricks jobs' notifications and run settings, default tags, and the hardening the policy pack asks for.
import { expect } from "chai";
import { CATALOG_TABLES } from "../../contract";
import { alarmSpecs, AlarmTargets } from "../../infra/alarms";
import { dashboardUrl, dashboardWidgets } from "../../infra/dashboard";
import { mskClusterNameFromArn, sinkKeyPrefix } from "../../infra/monitoring";
import { dagId, PROJECT } from "../../infra/names";
import { mwaaLogGroupNames } from "../../infra/orchestration";
import { s3SinkDeadLetterTopicName } from "../../infra/physicalNames";
import { hardeningPolicies } from "../../infra/policy/hardening";
import { S3_SINK_FILE_NAME_TEMPLATE } from "../../infra/s3SinkConfig";
import { StackRun } from "./harness/stackRun";
import { isSecret, Json, Resources, reveal, stackConfig, STACKS, useStackRun } from "./harness/fixtures";
import { runViolations } from "./harness/policyChecks";

describe("pure parts of monitoring", () => {
  it("reads the cluster name out of an MSK cluster ARN, and refuses anything else", () => {
    expect(
      mskClusterNameFromArn(
        "arn:aws:kafka:us-east-1:123456789012:cluster/pinpipe-dev-msk/0a1b-2c3d-4e5f-6789-2",
      ),
    ).to.equal("pinpipe-dev-msk");
    expect(() => mskClusterNameFromArn("arn:aws:kinesis:us-east-1:1:stream/s")).to.throw(
      /not an MSK cluster ARN/,
    );
  });

  it("the sink's key prefix is the fixed folder in front of its file name template", () => {
    for (const [template, prefix] of [
      ["topics/{{topic}}/partition={{partition}}/x.json", "topics/"],
      ["landing/raw/{{topic}}/x", "landing/raw/"],
      ["{{topic}}/x", ""],
    ])
      expect(sinkKeyPrefix(template)).to.equal(prefix);
    expect(sinkKeyPrefix(S3_SINK_FILE_NAME_TEMPLATE)).to.match(/^[a-z0-9_/-]+\/$/);
  });

  it("the dashboard console address names the region and the dashboard", () => {
    expect(dashboardUrl("eu-west-1", "p-pipeline")).to.equal(
      "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/p-pipeline",
    );
  });

  it("dashboard widgets follow the data path and tile two per row", () => {
    const widgets = dashboardWidgets({
      region: "us-east-1",
      api: { name: "a", stage: "s" },
      msk: { clusterName: "c" },
      connectorName: "k",
      dataBucket: { name: "b", filterId: "f" },
      streams: [{ table: "pin", name: "sp" }],
      mwaa: { environmentName: "e", dagId: "d" },
      jobs: [{ name: "batch job", url: "https://x/#job/1" }],
      alarmArns: ["arn:a"],
    });
    const titles = widgets.map((widget) => (widget.properties as Json).title);
    expect(titles.slice(0, 7)).to.deep.equal([
      "1. API requests and errors",
      "2. Kafka bytes in per topic",
      "3. S3 sink connector records per second",
      "4. S3 objects written by the sink",
      "5. Kinesis incoming records",
      "6. Kinesis iterator age (stream job lag)",
      "7. Batch DAG runs (Databricks batch job)",
    ]);
    expect(widgets.map((widget) => [widget.x, widget.y])).to.deep.equal([
      [0, 0],
      [12, 0],
      [0, 6],
      [12, 6],
      [0, 12],
      [12, 12],
      [0, 18],
      [12, 18],
      [0, 24],
    ]);
  });
});

for (const stack of STACKS) {
  describe(`operating the ${stack} stack (mocks)`, () => {
    let run: StackRun, r: Resources;
    // Dev also sets alarm and job-failure recipients; prod shows a stack with none.
    const shared = stack === "dev" ? "dev+notified" : stack;
    useStackRun(shared, (loaded) => ({ run, r } = loaded));
    const config = stackConfig(shared);
    const prefix = config.prefix;

    describe("alarms", () => {
      it("one SNS topic, with an e-mail subscription per alarmEmails address", () => {
        const topic = r.one("aws:sns/topic:Topic");
        expect(topic.inputs.name).to.equal(`${prefix}-alarms`);
        const subscriptions = r.all("aws:sns/topicSubscription:TopicSubscription");
        expect(subscriptions.map((subscription) => subscription.inputs.endpoint)).to.deep.equal(
          config.monitoring.alarmEmails,
        );
        for (const subscription of subscriptions) {
          expect(subscription.inputs.protocol).to.equal("email");
          expect(subscription.inputs.topic).to.equal(topic.state.arn);
        }
        expect(run.outputs.alarmTopicArn).to.equal(topic.state.arn);
        if (stack === "dev") expect(subscriptions).to.have.length(2);
      });

      it("every alarm of the specs exists, notifies the topic, and takes its threshold from config", () => {
        const topic = r.one("aws:sns/topic:Topic");
        const alarms = r.all("aws:cloudwatch/metricAlarm:MetricAlarm");
        // The oracle: the specs on the names this stack's resources were created with (strings, not outputs).
        const nlb = r.one("aws:lb/loadBalancer:LoadBalancer");
        const targetGroup = r.one("aws:lb/targetGroup:TargetGroup");
        const targets: AlarmTargets<string> = {
          api: {
            name: r.one("aws:apigateway/restApi:RestApi").inputs.name as string,
            stage: r.one("aws:apigateway/stage:Stage").inputs.stageName as string,
            topicResource: "/topics/{topic}",
          },
          streams: r.all("aws:kinesis/stream:Stream").map((stream) => ({
            table: stream.name.split("-").slice(-1)[0],
            name: stream.inputs.name as string,
          })),
          msk: { clusterName: r.one("aws:msk/cluster:Cluster").inputs.clusterName as string },
          connectorName: r.one("aws:mskconnect/connector:Connector").inputs.name as string,
          deadLetterTopic: s3SinkDeadLetterTopicName(prefix),
          streamJobRunning: !config.databricks.streamJobPaused,
          dataBucket: {
            name: r.one("aws:s3/bucket:Bucket", "-data-lake-bucket").inputs.bucket as string,
            filterId: r.one("aws:s3/bucketMetric:BucketMetric").inputs.name as string,
          },
          proxy: {
            loadBalancer: nlb.state.arnSuffix as string,
            targetGroup: targetGroup.state.arnSuffix as string,
            instances: r.all("aws:ec2/instance:Instance").map((instance) => instance.id),
          },
          mwaa: {
            environmentName: r.one("aws:mwaa/environment:Environment").inputs.name as string,
            dagId: dagId(prefix),
          },
        };
        const specs = alarmSpecs(targets, config.monitoring.thresholds);
        expect(alarms.map((alarm) => alarm.inputs.name).sort()).to.deep.equal(
          specs.map((spec) => `${prefix}-${spec.key}`).sort(),
        );
        for (const spec of specs) {
          const alarm = r.one("aws:cloudwatch/metricAlarm:MetricAlarm", `-monitoring-${spec.key}`);
          expect(alarm.inputs.alarmActions, spec.key).to.deep.equal([topic.state.arn]);
          expect(alarm.inputs.okActions, spec.key).to.deep.equal([topic.state.arn]);
          expect(alarm.inputs.threshold, spec.key).to.equal(spec.threshold);
          expect(alarm.inputs.alarmDescription, spec.key).to.contain(spec.configKey ?? "any data point");
          expect(alarm.inputs.treatMissingData, spec.key).to.equal(spec.treatMissingData);
          if (spec.metric) {
            expect(alarm.inputs, spec.key).to.include({
              namespace: spec.metric.namespace,
              metricName: spec.metric.metricName,
              period: spec.metric.period,
            });
            expect(alarm.inputs.dimensions, spec.key).to.deep.equal(spec.metric.dimensions);
          } else {
            const queries = alarm.inputs.metricQueries as Json[];
            expect(queries.map((query) => query.id)).to.deep.equal(spec.queries?.map((query) => query.id));
            spec.queries?.forEach((query, index) => {
              if (query.expression) expect(queries[index].expression).to.equal(query.expression.join(""));
              if (query.metric) expect(queries[index].metric).to.deep.equal(query.metric);
            });
          }
        }
        // Dev: its stream job is paused, so no not-read alarms; prod: one per stream. Both: the dead-letter alarm.
        expect(alarms.length).to.equal(stack === "dev" ? 16 : 20);
      });

      it("alarm dimensions are this stack's resources (their recorded names and ids)", () => {
        const dimensionValues = new Set(
          r
            .all("aws:cloudwatch/metricAlarm:MetricAlarm")
            .flatMap((alarm) => [
              ...Object.values((alarm.inputs.dimensions as Json | undefined) ?? {}),
              ...((alarm.inputs.metricQueries as Json[] | undefined) ?? []).flatMap((query) =>
                Object.values(((query.metric as Json | undefined)?.dimensions as Json | undefined) ?? {}),
              ),
            ]),
        );
        const own = new Set(
          run.resources.flatMap((resource) => [
            resource.id,
            resource.inputs.name,
            resource.inputs.bucket,
            resource.inputs.stageName,
            resource.inputs.clusterName,
            resource.state.arnSuffix,
          ]),
        );
        const derived = new Set(["POST", "/topics/{topic}", dagId(prefix)]);
        for (const value of dimensionValues)
          expect(own.has(value) || derived.has(value as string), String(value)).to.equal(true);
      });

      it("a threshold set in config reaches its alarm", () => {
        const api5xx = r.one("aws:cloudwatch/metricAlarm:MetricAlarm", "-api-5xx");
        const iteratorAges = r
          .all("aws:cloudwatch/metricAlarm:MetricAlarm")
          .filter((alarm) => alarm.name.endsWith("-stream-iterator-age"));
        expect(api5xx.inputs.threshold).to.equal(stack === "dev" ? 9 : 5);
        expect(iteratorAges.map((alarm) => alarm.inputs.threshold)).to.deep.equal(
          Array(3).fill(stack === "dev" ? 120_000 : 600_000),
        );
      });

      it("S3 publishes request metrics of the sink's prefix of the data bucket", () => {
        const metric = r.one("aws:s3/bucketMetric:BucketMetric");
        expect(metric.inputs.bucket).to.equal(r.one("aws:s3/bucket:Bucket", "-data-lake-bucket").id);
        expect(metric.inputs.filter).to.deep.equal({ prefix: sinkKeyPrefix(S3_SINK_FILE_NAME_TEMPLATE) });
      });
    });

    describe("dashboard", () => {
      it("one dashboard whose widgets name this stack's resources, in the order of the data path", () => {
        const dashboard = r.one("aws:cloudwatch/dashboard:Dashboard");
        expect(dashboard.inputs.dashboardName).to.equal(`${prefix}-pipeline`);
        expect(run.outputs.dashboardUrl).to.equal(dashboardUrl(config.region, `${prefix}-pipeline`));
        const body = JSON.parse(dashboard.inputs.dashboardBody as string) as { widgets: Json[] };
        const widget = (title: string) =>
          body.widgets.find((candidate) => (candidate.properties as Json).title === title)
            ?.properties as Json;
        const lines = (title: string) => widget(title).metrics as unknown[][];
        const api = r.one("aws:apigateway/restApi:RestApi").inputs.name;
        const stage = r.one("aws:apigateway/stage:Stage").inputs.stageName;
        for (const line of lines("1. API requests and errors"))
          expect(line.slice(0, 6)).to.deep.include.members([
            "AWS/ApiGateway",
            "ApiName",
            api,
            "Stage",
            stage,
          ]);
        const cluster = r.one("aws:msk/cluster:Cluster").inputs.clusterName as string;
        expect(JSON.stringify(lines("2. Kafka bytes in per topic"))).to.contain(`'${cluster}'`);
        const connector = r.one("aws:mskconnect/connector:Connector").inputs.name;
        for (const line of lines("3. S3 sink connector records per second"))
          expect(line[3]).to.equal(connector);
        const bucket = r.one("aws:s3/bucket:Bucket", "-data-lake-bucket").inputs.bucket;
        expect(lines("4. S3 objects written by the sink")[0].slice(0, 6)).to.deep.equal([
          "AWS/S3",
          "PutRequests",
          "BucketName",
          bucket,
          "FilterId",
          r.one("aws:s3/bucketMetric:BucketMetric").inputs.name,
        ]);
        const streamNames = r.all("aws:kinesis/stream:Stream").map((stream) => stream.inputs.name);
        for (const title of ["5. Kinesis incoming records", "6. Kinesis iterator age (stream job lag)"])
          expect(lines(title).map((line) => line[3])).to.have.members(streamNames);
        const environment = r.one("aws:mwaa/environment:Environment").inputs.name;
        for (const line of lines("7. Batch DAG runs (Databricks batch job)"))
          expect(line.slice(2, 6)).to.deep.equal(["Environment", environment, "DAG", dagId(prefix)]);
        const jobs = body.widgets.find((candidate) => candidate.type === "text")?.properties as Json;
        for (const job of r.all("databricks:index/job:Job"))
          expect(jobs.markdown).to.contain(job.state.url as string);
        const alarmWidget = body.widgets.find((candidate) => candidate.type === "alarm")?.properties as Json;
        expect(alarmWidget.alarms).to.have.members(
          r.all("aws:cloudwatch/metricAlarm:MetricAlarm").map((alarm) => alarm.state.arn),
        );
        for (const candidate of body.widgets.filter((entry) => entry.type === "metric"))
          expect((candidate.properties as Json).region).to.equal(config.region);
      });
    });

    describe("cost guards", () => {
      it("a monthly budget of the stack's tagged resources, notifying the alarm topic", () => {
        const budget = r.one("aws:budgets/budget:Budget");
        const topic = r.one("aws:sns/topic:Topic");
        expect(budget.inputs).to.include({
          budgetType: "COST",
          timeUnit: "MONTHLY",
          limitUnit: "USD",
          limitAmount: String(config.monitoring.budget.monthlyUsd),
        });
        // Cost filter on a cost allocation tag: name TagKeyValue, value "user:<key>$<value>".
        // https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_Budget.html (CostFilters)
        expect(budget.inputs.costFilters).to.deep.equal([
          { name: "TagKeyValue", values: [`user:prefix$${prefix}`] },
        ]);
        const notifications = budget.inputs.notifications as Json[];
        expect(
          notifications.map((notification) => [notification.notificationType, notification.threshold]),
        ).to.deep.equal([
          ["ACTUAL", config.monitoring.budget.alertPercent],
          ["FORECASTED", 100],
        ]);
        for (const notification of notifications)
          expect(notification.subscriberSnsTopicArns).to.deep.equal([topic.state.arn]);
        // Budgets may publish to the topic (its policy), CloudWatch alarms too.
        const policy = JSON.parse(r.one("aws:sns/topicPolicy:TopicPolicy").inputs.policy as string) as {
          Statement: { Principal?: { Service?: string[] } }[];
        };
        expect(
          policy.Statement.flatMap((statement) => statement.Principal?.Service ?? []),
        ).to.include.members(["budgets.amazonaws.com", "cloudwatch.amazonaws.com"]);
      });

      it("S3 traffic of the private subnets goes through a gateway endpoint instead of the NAT", () => {
        const endpoint = r.one("aws:ec2/vpcEndpoint:VpcEndpoint");
        expect(endpoint.inputs).to.include({
          vpcId: r.one("aws:ec2/vpc:Vpc").id,
          serviceName: `com.amazonaws.${config.region}.s3`,
          vpcEndpointType: "Gateway",
        });
        const privateTables = r
          .all("aws:ec2/routeTable:RouteTable")
          .filter((table) => table.name.includes("-private-"))
          .map((table) => table.id);
        expect(privateTables).to.have.length(config.network.azCount);
        expect(endpoint.inputs.routeTableIds).to.deep.equal(privateTables);
      });

      it("every AWS resource comes from the stack's provider, whose default tags are stack, prefix and owner", () => {
        const provider = r.one("pulumi:providers:aws");
        // pulumi-aws 7.48 sends defaultTags to its provider as JSON: node_modules/@pulumi/aws/provider.js:66
        // (resourceInputs["defaultTags"] = ...apply(JSON.stringify)); the type is ProviderDefaultTags {tags}.
        expect(JSON.parse(provider.inputs.defaultTags as string)).to.deep.equal({
          tags: { stack, prefix, owner: config.owner },
        });
        expect(provider.inputs.region).to.equal(config.region);
        for (const resource of run.resources.filter((candidate) => candidate.type.startsWith("aws:")))
          expect(resource.provider, resource.name).to.equal(
            `urn:pulumi:${stack}::${PROJECT}::pulumi:providers:aws::${provider.name}::${provider.id}`,
          );
        expect(run.invokes.filter((invoke) => invoke.token.startsWith("aws:")).length).to.be.greaterThan(0);
      });
    });

    describe("Databricks jobs", () => {
      it("notify the configured recipients of a failed run", () => {
        const destinations = r.all("databricks:index/notificationDestination:NotificationDestination");
        for (const job of r.all("databricks:index/job:Job")) {
          if (stack === "dev") {
            expect(job.inputs.emailNotifications, job.name).to.deep.equal({
              onFailures: ["data@example.com"],
              noAlertForSkippedRuns: true,
            });
            expect(job.inputs.webhookNotifications, job.name).to.deep.equal({
              onFailures: [{ id: destinations[0].id }],
            });
          } else {
            expect(job.inputs.emailNotifications, job.name).to.equal(undefined);
            expect(job.inputs.webhookNotifications, job.name).to.equal(undefined);
          }
        }
        expect(destinations).to.have.length(stack === "dev" ? 1 : 0);
        if (stack === "dev") {
          // The destination's config (the webhook URL) is a secret.
          const destinationConfig = destinations[0].inputs.config;
          expect(isSecret(destinationConfig)).to.equal(true);
          expect(reveal(destinationConfig)).to.deep.equal({
            genericWebhook: { url: "https://hooks.example.com/services/T0/B0/x" },
          });
        }
      });

      it("job clusters carry the stack's tags, which Databricks puts on their EC2 instances and volumes", () => {
        // custom_tags: "Databricks will tag all cluster resources (e.g., AWS instances and EBS volumes) with these
        // tags" (databricks-sdk-py, databricks/sdk/service/compute.py, ClusterSpec.custom_tags).
        for (const job of r.all("databricks:index/job:Job")) {
          const cluster = (job.inputs.tasks as Json[])[0].newCluster as Json;
          expect(cluster.customTags, job.name).to.deep.equal({
            stack,
            prefix,
            owner: config.owner,
            ResourceClass: "SingleNode",
          });
        }
      });

      it("the batch job runs once at a time, within the timeout, and retries a failed task", () => {
        const job = r.one("databricks:index/job:Job", "-batch-job");
        expect(job.inputs.maxConcurrentRuns).to.equal(1);
        expect(job.inputs.timeoutSeconds).to.equal(config.jobs.batchTimeoutMinutes * 60);
        expect((job.inputs.tasks as Json[])[0]).to.include({
          maxRetries: config.jobs.batchMaxRetries,
          minRetryIntervalMillis: 300_000,
          retryOnTimeout: false,
        });
      });

      it("the stream job is continuous (restarted after a failure, with backoff) and takes no retry policy", () => {
        // Continuous jobs cannot have retry policies; Databricks restarts a failed run with exponential backoff.
        // https://docs.databricks.com/en/jobs/continuous.html ; taskRetryMode: JobContinuous in
        // node_modules/@pulumi/databricks/types/input.d.ts (pulumi-databricks 1.110).
        const job = r.one("databricks:index/job:Job", "-stream-job");
        expect(job.inputs.continuous).to.deep.equal({
          pauseStatus: config.databricks.streamJobPaused ? "PAUSED" : "UNPAUSED",
          taskRetryMode: "NEVER",
        });
        const task = (job.inputs.tasks as Json[])[0];
        for (const field of ["maxRetries", "minRetryIntervalMillis", "retryOnTimeout"])
          expect(task[field]).to.equal(undefined);
        expect(job.inputs.timeoutSeconds).to.equal(undefined);
      });
    });

    describe("hardening", () => {
      it("VPC flow logs of all traffic go to a log group through a role that can write only there", () => {
        const flowLog = r.one("aws:ec2/flowLog:FlowLog");
        const logGroup = r.one("aws:cloudwatch/logGroup:LogGroup", "-network-flow-logs");
        expect(flowLog.inputs).to.include({
          vpcId: r.one("aws:ec2/vpc:Vpc").id,
          trafficType: "ALL",
          logDestinationType: "cloud-watch-logs",
          logDestination: logGroup.state.arn,
          iamRoleArn: r.one("aws:iam/role:Role", "-network-flow-logs").state.arn,
        });
        const trust = JSON.parse(
          r.one("aws:iam/role:Role", "-network-flow-logs").inputs.assumeRolePolicy as string,
        );
        expect(trust.Statement[0].Principal).to.deep.equal({ Service: ["vpc-flow-logs.amazonaws.com"] });
      });

      it("the default security group is adopted without rules", () => {
        const group = r.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup");
        expect(group.inputs.vpcId).to.equal(r.one("aws:ec2/vpc:Vpc").id);
        expect(group.inputs.ingress ?? []).to.deep.equal([]);
        expect(group.inputs.egress ?? []).to.deep.equal([]);
      });

      it("every log group keeps its events logRetentionDays (30 in dev, 365 in prod)", () => {
        const groups = r.all("aws:cloudwatch/logGroup:LogGroup");
        // The groups services would otherwise create without expiry are declared too: MWAA's five
        // (airflow-<environment>-<type>, the execution role's logs grant in infra/iam.ts; pre-created groups are
        // used, aws/aws-cdk#14414) and API Gateway's execution logs, API-Gateway-Execution-Logs_<api id>/<stage>
        // (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html).
        const environment = r.one("aws:mwaa/environment:Environment").inputs.name as string;
        const api = r.one("aws:apigateway/restApi:RestApi").id;
        const stageName = r.one("aws:apigateway/stage:Stage").inputs.stageName;
        expect(groups.map((group) => group.inputs.name)).to.include.members([
          ...mwaaLogGroupNames(environment),
          `API-Gateway-Execution-Logs_${api}/${stageName}`,
        ]);
        expect(mwaaLogGroupNames("e")).to.deep.equal([
          "airflow-e-DAGProcessing",
          "airflow-e-Scheduler",
          "airflow-e-Task",
          "airflow-e-WebServer",
          "airflow-e-Worker",
        ]);
        for (const group of groups)
          expect(group.inputs.retentionInDays, group.name).to.equal(stack === "dev" ? 30 : 365);
      });

      it(`${stack === "prod" ? "the customer key encrypts" : "AWS managed keys encrypt"} every store: buckets, streams, MSK, logs, volumes, topic, secret, MWAA`, () => {
        const keys = r.all("aws:kms/key:Key");
        const dataEncryption = r.one(
          "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
          "-data-lake-bucket-encryption",
        );
        const rule = (dataEncryption.inputs.rules as Json[])[0];
        const streams = r.all("aws:kinesis/stream:Stream");
        const cluster = r.one("aws:msk/cluster:Cluster");
        if (stack === "prod") {
          expect(keys).to.have.length(1);
          const keyArn = keys[0].state.arn;
          expect(keys[0].inputs.enableKeyRotation).to.equal(true);
          expect(r.one("aws:kms/alias:Alias").inputs.name).to.equal(`alias/${prefix}-data`);
          expect(rule).to.deep.equal({
            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: keyArn },
            bucketKeyEnabled: true,
          });
          for (const stream of streams)
            expect(stream.inputs).to.include({ encryptionType: "KMS", kmsKeyId: keyArn });
          expect((cluster.inputs.encryptionInfo as Json).encryptionAtRestKmsKeyArn).to.equal(keyArn);
          for (const group of r.all("aws:cloudwatch/logGroup:LogGroup"))
            expect(group.inputs.kmsKeyId).to.equal(keyArn);
        } else {
          expect(keys).to.have.length(0);
          expect((rule.applyServerSideEncryptionByDefault as Json).sseAlgorithm).to.equal("AES256");
          for (const stream of streams) expect(stream.inputs.kmsKeyId).to.equal("alias/aws/kinesis");
          expect((cluster.inputs.encryptionInfo as Json).encryptionAtRestKmsKeyArn).to.equal(undefined);
        }
        // The DAG bucket, the proxies' root volumes, the alarm topic and the Airflow secret follow the same key.
        const dagEncryption = r.one(
          "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
          "-orchestration-dags-encryption",
        );
        const dagRule = (dagEncryption.inputs.rules as Json[])[0].applyServerSideEncryptionByDefault as Json;
        const keyArn = stack === "prod" ? keys[0].state.arn : undefined;
        expect(dagRule.sseAlgorithm).to.equal(stack === "prod" ? "aws:kms" : "AES256");
        expect(dagRule.kmsMasterKeyId).to.equal(keyArn);
        for (const instance of r.all("aws:ec2/instance:Instance"))
          expect((instance.inputs.rootBlockDevice as Json).kmsKeyId).to.equal(keyArn);
        expect(r.one("aws:sns/topic:Topic").inputs.kmsMasterKeyId).to.equal(keyArn);
        expect(r.one("aws:secretsmanager/secret:Secret").inputs.kmsKeyId).to.equal(keyArn);
        // MWAA encrypts with the key given as the environment's KmsKey, and its execution role may use that key
        // through SQS and S3 (MWAA user guide, "Amazon MWAA execution role", sample policy for a customer managed
        // key); without one, MWAA's AWS-owned key (the guide's sample policy for an AWS owned key).
        expect(r.one("aws:mwaa/environment:Environment").inputs.kmsKey).to.equal(keyArn);
        const executionPolicy = JSON.parse(
          r.one("aws:iam/rolePolicy:RolePolicy", "-orchestration-execution").inputs.policy as string,
        ) as { Statement: Json[] };
        const keyStatement = executionPolicy.Statement.find((statement) =>
          [statement.Action].flat().includes("kms:GenerateDataKey*"),
        );
        expect(keyStatement?.Resource).to.equal(keyArn);
      });

      it(`the data bucket and the declared tables are ${stack === "prod" ? "" : "not "}protected, and nothing else is`, () => {
        const protectedNames = run.resources
          .filter((resource) => resource.protect)
          .map((resource) => resource.name);
        if (stack === "prod") {
          expect(protectedNames).to.include.members([`${prefix}-data-lake-bucket`, `${prefix}-data-lake`]);
          const tables = run.resources.filter(
            (resource) =>
              resource.type === "databricks:index/sqlTable:SqlTable" &&
              resource.inputs.tableType === "MANAGED",
          );
          expect(tables).to.have.length(CATALOG_TABLES.length);
          for (const table of tables) expect(table.protect, table.name).to.equal(true);
          for (const name of protectedNames.filter((name) => !tables.some((table) => table.name === name)))
            expect(name).to.match(new RegExp(`^${prefix}-data-lake`));
        } else {
          expect(protectedNames).to.deep.equal([]);
        }
      });

      it("the hardening policies pass on every resource of the stack", async () => {
        const violations = await runViolations(run, hardeningPolicies);
        expect(violations).to.deep.equal([]);
      });
    });
  });
}
