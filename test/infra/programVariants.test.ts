// Program runs for config choices the dev and prod stacks do not make, and for a broken config.
import { expect } from "chai";
import { PROJECT } from "../../infra/names";
import { runStack, StackRun } from "./harness/stackRun";

const userSet = {
  [`${PROJECT}:databricksHost`]: "https://dbc-1234abcd-5678.cloud.databricks.com",
  [`${PROJECT}:databricksCrossAccountRoleName`]: "dbx-cross-account",
  [`${PROJECT}:databricksToken`]: "dapi-token",
};

describe("program variants (mocks)", function () {
  this.timeout(120_000);

  describe("MSK Serverless, and API Gateway's account logging left to another stack, on the dev stack", () => {
    let run: StackRun;
    before(async () => {
      run = await runStack("dev", {
        values: {
          ...userSet,
          [`${PROJECT}:mskMode`]: "serverless",
          [`${PROJECT}:manageApiGatewayAccount`]: "false",
        },
        secretKeys: [`${PROJECT}:databricksToken`],
      });
    });

    it("leaves the account-wide API Gateway logging role alone but still writes access logs", () => {
      const types = run.resources.map((resource) => resource.type);
      expect(types).not.to.include("aws:apigateway/account:Account");
      expect(run.resources.filter((resource) => resource.name.endsWith("-ingest-cloudwatch"))).to.deep.equal(
        [],
      );
      const stage = run.resources.find((resource) => resource.type === "aws:apigateway/stage:Stage");
      expect((stage?.inputs.accessLogSettings as Record<string, unknown>).destinationArn).to.be.a("string");
    });

    it("creates a serverless cluster with IAM auth in the private subnets instead of a provisioned one", () => {
      const types = run.resources.map((resource) => resource.type);
      expect(types).not.to.include("aws:msk/cluster:Cluster");
      expect(types).not.to.include("aws:msk/configuration:Configuration");
      const serverless = run.resources.filter(
        (resource) => resource.type === "aws:msk/serverlessCluster:ServerlessCluster",
      );
      expect(serverless).to.have.length(1);
      expect(serverless[0].inputs.clientAuthentication).to.deep.equal({ sasl: { iam: { enabled: true } } });
      const vpc = (serverless[0].inputs.vpcConfigs as { subnetIds: string[] }[])[0];
      for (const subnet of vpc.subnetIds)
        expect(run.resources.find((resource) => resource.id === subnet)?.name).to.contain("-private-");
    });

    it("wires the REST proxy and the connector to the serverless brokers", () => {
      const brokers = run.resources.find(
        (resource) => resource.type === "aws:msk/serverlessCluster:ServerlessCluster",
      )?.state.bootstrapBrokersSaslIam as string;
      const instance = run.resources.find((resource) => resource.type === "aws:ec2/instance:Instance");
      expect(instance?.inputs.userData).to.contain(`bootstrap.servers=${brokers}`);
      const connector = run.resources.find(
        (resource) => resource.type === "aws:mskconnect/connector:Connector",
      );
      expect(
        (connector?.inputs.kafkaCluster as Record<string, Record<string, unknown>>).apacheKafkaCluster
          .bootstrapServers,
      ).to.equal(brokers);
      for (const topic of run.resources.filter((resource) => resource.type === "aws:msk/topic:Topic"))
        expect(topic.inputs.replicationFactor).to.equal(3);
    });
  });

  it("a missing required key stops the program with one line naming the key and the command", async () => {
    const rest = Object.fromEntries(
      Object.entries(userSet).filter(([key]) => key !== `${PROJECT}:databricksHost`),
    );
    try {
      await runStack("dev", { values: rest, secretKeys: [] });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).to.contain(
        `config "${PROJECT}:databricksHost" is required: run \`pulumi config set databricksHost`,
      );
      expect(message).not.to.contain("\n");
      return;
    }
    throw new Error("the program ran without the required keys");
  });
});
