// The program on the dev and the prod stack (mocks, one shared run per stack): batch ingestion.
import { expect } from "chai";
import { PolicyDocument } from "../../../infra/iam";
import { s3SinkDeadLetterTopicName } from "../../../infra/physicalNames";
import { topicNames } from "../../../infra/names";
import { S3_SINK_FILE_NAME_TEMPLATE } from "../../../infra/s3SinkConfig";
import { AL2023_AMI, StackRun } from "../harness/stackRun";
import { EXPECTED } from "./expected";
import { Json, Resources, STACKS, useStackRun } from "../harness/fixtures";

for (const stack of STACKS)
  describe(`the program on the ${stack} stack (mocks)`, () => {
    const expected = EXPECTED[stack];
    let run: StackRun, r: Resources;
    useStackRun(stack, (loaded) => ({ run, r } = loaded));

    describe("batch ingestion", () => {
      it("MSK: IAM client auth, TLS, brokers over the zones, no topic auto-creation", () => {
        const cluster = r.one("aws:msk/cluster:Cluster");
        expect(cluster.inputs.clusterName).to.equal(`${expected.prefix}-msk`);
        expect(cluster.inputs.numberOfBrokerNodes).to.equal(expected.brokers);
        expect(cluster.inputs.clientAuthentication).to.deep.equal({
          sasl: { iam: true },
          unauthenticated: false,
        });
        // (prod adds its customer key at rest; the hardening tests check that.)
        expect((cluster.inputs.encryptionInfo as Json).encryptionInTransit).to.deep.equal({
          clientBroker: "TLS",
          inCluster: true,
        });
        expect((cluster.inputs.brokerNodeGroupInfo as Json).clientSubnets).to.have.length(expected.azCount);
        expect(r.one("aws:msk/configuration:Configuration").inputs.serverProperties).to.contain(
          "auto.create.topics.enable=false",
        );
      });

      it("declares the three topics and the S3 sink's dead-letter topic", () => {
        const topics = r.all("aws:msk/topic:Topic").filter((topic) => !topic.name.endsWith("-dead-letter"));
        expect(topics.map((topic) => topic.inputs.name).sort()).to.deep.equal(
          Object.values(topicNames(expected.prefix)).sort(),
        );
        // auto.create.topics.enable=false: Connect could not create it, so the program does; the connector
        // sends its rejects there and waits for it.
        const deadLetter = r.one("aws:msk/topic:Topic", "-topic-dead-letter");
        expect(deadLetter.inputs).to.include({
          name: s3SinkDeadLetterTopicName(expected.prefix),
          replicationFactor: expected.replication,
        });
        const connector = r.one("aws:mskconnect/connector:Connector");
        expect(
          (connector.inputs.connectorConfiguration as Record<string, string>)[
            "errors.deadletterqueue.topic.name"
          ],
        ).to.equal(deadLetter.inputs.name);
        expect(connector.dependsOn).to.include(`aws:msk/topic:Topic::${deadLetter.name}`);
        const connectorPolicy = JSON.parse(
          r.one("aws:iam/rolePolicy:RolePolicy", "-batch-s3-sink").inputs.policy as string,
        ) as PolicyDocument;
        expect(
          connectorPolicy.Statement.find((statement) => statement.Sid === "WriteDeadLetterTopic")?.Resource,
        ).to.deep.equal([
          `${(r.one("aws:msk/cluster:Cluster").state.arn as string).replace(":cluster/", ":topic/")}/${deadLetter.inputs.name as string}`,
        ]);
        for (const topic of topics)
          expect(topic.inputs).to.include({
            partitionCount: expected.partitions,
            replicationFactor: expected.replication,
          });
      });

      it("REST proxies: Amazon Linux 2023, private, spread over zones, IMDSv2, no SSH key, SSM, real user data", () => {
        const instances = r.all("aws:ec2/instance:Instance");
        expect(instances).to.have.length(expected.proxies);
        expect(
          new Set(instances.map((instance) => r.byId(instance.inputs.subnetId).inputs.availabilityZone)).size,
        ).to.equal(expected.proxies);
        expect(
          run.invokes.find((invoke) => invoke.token === "aws:ssm/getParameter:getParameter")?.inputs.name,
        ).to.equal("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
        for (const instance of instances) {
          expect(instance.inputs.ami).to.equal(AL2023_AMI);
          expect(instance.inputs.metadataOptions).to.include({ httpTokens: "required" });
          expect(instance.inputs.keyName).to.equal(undefined);
          expect(instance.inputs.associatePublicIpAddress).to.equal(false);
          expect(r.byId(instance.inputs.subnetId).name).to.contain("-private-");
          const userData = instance.inputs.userData as string;
          expect(userData).to.contain(
            `bootstrap.servers=${r.one("aws:msk/cluster:Cluster").state.bootstrapBrokersSaslIam}`,
          );
          expect(userData).to.contain("kafka-rest.service");
        }
        expect(r.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment").inputs.policyArn).to.equal(
          "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        );
      });

      it("the proxy's role can produce to this cluster's three topics only", () => {
        const doc = JSON.parse(
          r.one("aws:iam/rolePolicy:RolePolicy", "-rest-proxy-produce").inputs.policy as string,
        ) as PolicyDocument;
        const clusterArn = r.one("aws:msk/cluster:Cluster").state.arn as string;
        const topicArns = Object.values(topicNames(expected.prefix)).map(
          (topic) => `${clusterArn.replace(":cluster/", ":topic/")}/${topic}`,
        );
        expect(
          doc.Statement.find((statement) => statement.Sid === "ProduceToPipelineTopics")?.Resource,
        ).to.have.members(topicArns);
      });

      it("MSK Connect: the uploaded S3 sink plugin, IAM + TLS to the brokers, the contract's layout, CloudWatch logs", () => {
        const pluginObject = r.one("aws:s3/bucketObjectv2:BucketObjectv2", "-s3-sink-plugin");
        expect(pluginObject.inputs.key).to.equal("connect-plugins/s3-connector-for-apache-kafka-2.15.0.zip");
        expect(r.byId(pluginObject.inputs.bucket).inputs.bucket).to.equal(run.outputs.dataBucket);
        const plugin = r.one("aws:mskconnect/customPlugin:CustomPlugin");
        expect(plugin.inputs.contentType).to.equal("ZIP");
        const connector = r.one("aws:mskconnect/connector:Connector");
        expect(connector.inputs.kafkaClusterClientAuthentication).to.deep.equal({
          authenticationType: "IAM",
        });
        expect(connector.inputs.kafkaClusterEncryptionInTransit).to.deep.equal({ encryptionType: "TLS" });
        expect((connector.inputs.plugins as Json[])[0]).to.deep.equal({
          customPlugin: { arn: plugin.state.arn, revision: 1 },
        });
        const config = connector.inputs.connectorConfiguration as Record<string, string>;
        expect(config.topics.split(",").sort()).to.deep.equal(
          Object.values(topicNames(expected.prefix)).sort(),
        );
        expect(config["aws.s3.bucket.name"]).to.equal(run.outputs.dataBucket);
        expect(config["file.name.template"]).to.equal(S3_SINK_FILE_NAME_TEMPLATE);
        expect(S3_SINK_FILE_NAME_TEMPLATE).to.match(/^topics\/\{\{topic\}\}\/partition=\{\{partition\}\}\//);
        expect(config["format.output.type"]).to.equal("jsonl");
        expect(((connector.inputs.logDelivery as Json).workerLogDelivery as Json).cloudwatchLogs).to.include({
          enabled: true,
        });
        expect(connector.inputs.serviceExecutionRoleArn).to.equal(
          r.one("aws:iam/role:Role", "-batch-s3-sink").state.arn,
        );
      });

      it("the connector writes S3 through a role only its execution role may assume, with no key anywhere", () => {
        const connector = r.one("aws:mskconnect/connector:Connector");
        const config = connector.inputs.connectorConfiguration as Record<string, string>;
        const writer = r.one("aws:iam/role:Role", "-batch-s3-sink-writer");
        expect(config["aws.sts.role.arn"]).to.equal(writer.state.arn);
        expect(config["aws.sts.role.session.name"]).to.equal(`${expected.prefix}-s3-sink`);
        expect(Object.keys(config).filter((key) => /access\.key|secret/.test(key))).to.deep.equal([]);
        const trust = JSON.parse(writer.inputs.assumeRolePolicy as string) as PolicyDocument;
        expect(trust.Statement).to.deep.equal([
          {
            Effect: "Allow",
            Principal: { AWS: r.one("aws:iam/role:Role", "-batch-s3-sink").state.arn },
            Action: "sts:AssumeRole",
          },
        ]);
        const writes = JSON.parse(
          r.one("aws:iam/rolePolicy:RolePolicy", "-batch-s3-sink-writer").inputs.policy as string,
        ) as PolicyDocument;
        const bucketArn = `arn:aws:s3:::${run.outputs.dataBucket as string}`;
        expect(
          writes.Statement.find((statement) => statement.Sid === "WriteTopicFiles")?.Resource,
        ).to.deep.equal([`${bucketArn}/topics/*`]);
        const execution = JSON.parse(
          r.one("aws:iam/rolePolicy:RolePolicy", "-batch-s3-sink").inputs.policy as string,
        ) as PolicyDocument;
        expect(execution.Statement.flatMap((statement) => [statement.Action].flat())).not.to.include(
          "s3:PutObject",
        );
      });
    });
  });
