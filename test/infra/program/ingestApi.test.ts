// The program on the dev and the prod stack (mocks, one shared run per stack): ingest API.
import { expect } from "chai";
import { deploymentFingerprint as deploymentFingerprintOf } from "../../../infra/ingestApi";
import { PolicyDocument } from "../../../infra/iam";
import { kinesisRequestTemplate, streamRoutes } from "../../../infra/kinesisTemplates";
import { KINESIS_CLIENT_ERROR_RESPONSE_TEMPLATE } from "../../../infra/kinesisTemplates";
import { RecordedResource, StackRun } from "../harness/stackRun";
import { EXPECTED } from "./expected";
import { Json, Resources, STACKS, useStackRun } from "../harness/fixtures";

for (const stack of STACKS)
  describe(`the program on the ${stack} stack (mocks)`, () => {
    const expected = EXPECTED[stack];
    let run: StackRun, r: Resources;
    useStackRun(stack, (loaded) => ({ run, r } = loaded));

    describe("ingest API", () => {
      it("has the contract's routes, create/delete only where allowed, and an API key on every method", () => {
        const methods = r.all("aws:apigateway/method:Method");
        const routes = methods
          .map((method) => `${method.inputs.httpMethod} ${r.byId(method.inputs.resourceId).inputs.pathPart}`)
          .sort();
        const expectedRoutes = [
          "POST {topic}",
          ...streamRoutes(expected.admin).map(
            (route) => `${route.httpMethod} ${route.path.split("/").pop()}`,
          ),
        ].sort();
        expect(routes).to.deep.equal(expectedRoutes);
        for (const method of methods) expect(method.inputs.apiKeyRequired, `${method.name}`).to.equal(true);
      });

      it("POST /topics/{topic} reaches the REST proxy privately through a VPC link and an internal NLB", () => {
        const nlb = r.one("aws:lb/loadBalancer:LoadBalancer");
        expect(nlb.inputs).to.include({ internal: true, loadBalancerType: "network" });
        const integration = r
          .all("aws:apigateway/integration:Integration")
          .find((candidate) => candidate.inputs.type === "HTTP_PROXY") as RecordedResource;
        expect(integration.inputs).to.include({
          connectionType: "VPC_LINK",
          connectionId: r.one("aws:apigateway/vpcLink:VpcLink").id,
        });
        expect(integration.inputs.uri).to.equal(`http://${nlb.state.dnsName}:8082/topics/{topic}`);
        expect(integration.inputs.requestParameters).to.deep.equal({
          "integration.request.path.topic": "method.request.path.topic",
        });
        const targets = r
          .all("aws:lb/targetGroupAttachment:TargetGroupAttachment")
          .map((a) => a.inputs.targetId);
        expect(targets).to.have.members(r.all("aws:ec2/instance:Instance").map((instance) => instance.id));
        expect(targets).to.have.length(expected.proxies);
      });

      it("a bad request body or a missing Content-Type gets a 400 from API Gateway (request validation)", () => {
        const validator = r.one("aws:apigateway/requestValidator:RequestValidator");
        expect(validator.inputs).to.include({ validateRequestBody: true, validateRequestParameters: true });
        const models = new Map(
          r.all("aws:apigateway/model:Model").map((model) => [model.inputs.name as string, model.inputs]),
        );
        const withBody = r
          .all("aws:apigateway/method:Method")
          .filter((method) =>
            ["POST {topic}", "PUT record", "PUT records"].includes(
              `${method.inputs.httpMethod} ${r.byId(method.inputs.resourceId).inputs.pathPart}`,
            ),
          );
        expect(withBody).to.have.length(3);
        for (const method of withBody) {
          expect(method.inputs.requestValidatorId, method.name).to.equal(validator.id);
          expect(method.inputs.requestParameters, method.name).to.include({
            "method.request.header.Content-Type": true,
          });
          const [[contentType, modelName]] = Object.entries(
            method.inputs.requestModels as Record<string, string>,
          );
          const model = models.get(modelName);
          expect(model?.contentType, method.name).to.equal(contentType);
          expect((JSON.parse(model?.schema as string) as Json).required, method.name)
            .to.be.an("array")
            .with.length.greaterThan(0);
        }
        // The produce route's model is keyed by Kafka REST's content type (the one the emulator sends).
        const produce = withBody.find((method) => method.inputs.httpMethod === "POST");
        expect(Object.keys(produce?.inputs.requestModels as Json)).to.deep.equal([
          "application/vnd.kafka.json.v2+json",
        ]);
      });

      it("the stage deployment is redeployed whenever anything it serves changes", () => {
        const deployment = r.one("aws:apigateway/deployment:Deployment");
        const trigger = (deployment.inputs.triggers as Record<string, string>).configuration;
        expect(trigger).to.match(/^[0-9a-f]{64}$/);
        // The fingerprint covers the resolved arguments of every served resource, in declaration order.
        const kinds: Record<string, string> = {
          "aws:apigateway/requestValidator:RequestValidator": "validator",
          "aws:apigateway/model:Model": "model",
          "aws:apigateway/method:Method": "method",
          "aws:apigateway/integration:Integration": "integration",
          "aws:apigateway/methodResponse:MethodResponse": "methodResponse",
          "aws:apigateway/integrationResponse:IntegrationResponse": "integrationResponse",
        };
        const served = run.resources.filter((resource) => kinds[resource.type]);
        const byKind = (kind: string) => served.filter((resource) => kinds[resource.type] === kind);
        expect(byKind("integration").map((integration) => integration.inputs.uri)).to.include(
          `http://${r.one("aws:lb/loadBalancer:LoadBalancer").state.dnsName}:8082/topics/{topic}`,
        );
        expect(deployment.inputs.triggers).to.deep.equal({
          configuration: deploymentFingerprintOf(
            served.map((resource) => ({ kind: kinds[resource.type], args: resource.inputs })),
          ),
        });
      });

      it("Kinesis integrations use the templates and a role limited to the three streams", () => {
        const kinesis = r
          .all("aws:apigateway/integration:Integration")
          .filter((integration) => integration.inputs.type === "AWS");
        expect(kinesis).to.have.length(streamRoutes(expected.admin).length);
        const role = r.one("aws:iam/role:Role", "-ingest-kinesis");
        for (const integration of kinesis) {
          const action = (integration.inputs.uri as string).split("/").pop() as Parameters<
            typeof kinesisRequestTemplate
          >[0];
          expect(integration.inputs.requestTemplates).to.deep.equal({
            "application/json": kinesisRequestTemplate(action),
          });
          expect(integration.inputs.credentials).to.equal(role.state.arn);
        }
        const doc = JSON.parse(
          r.one("aws:iam/rolePolicy:RolePolicy", "-ingest-kinesis").inputs.policy as string,
        ) as PolicyDocument;
        const streamArns = r.all("aws:kinesis/stream:Stream").map((stream) => stream.state.arn);
        for (const statement of doc.Statement) expect(statement.Resource).to.have.members(streamArns);
        // A Kinesis 4xx goes through the template that turns throttling into 429, which the method declares.
        const clientErrors = r
          .all("aws:apigateway/integrationResponse:IntegrationResponse")
          .filter((response) => response.inputs.statusCode === "400");
        expect(clientErrors).to.have.length(kinesis.length);
        for (const response of clientErrors)
          expect(response.inputs.responseTemplates).to.deep.equal({
            "application/json": KINESIS_CLIENT_ERROR_RESPONSE_TEMPLATE,
          });
        expect(
          r.all("aws:apigateway/methodResponse:MethodResponse").filter((m) => m.inputs.statusCode === "429"),
        ).to.have.length(kinesis.length);
      });

      it(`authorization ${stack === "prod" ? "AWS_IAM (SigV4) and the key" : "by the API key"}; ${stack === "prod" ? "a WAF rate rule on the stage" : "no WAF"}`, () => {
        for (const method of r.all("aws:apigateway/method:Method"))
          expect(method.inputs.authorization, method.name).to.equal(stack === "prod" ? "AWS_IAM" : "NONE");
        const associations = r.all("aws:wafv2/webAclAssociation:WebAclAssociation");
        if (stack === "dev") {
          expect(associations).to.deep.equal([]);
          return;
        }
        expect(associations).to.have.length(1);
        expect(associations[0].inputs.resourceArn).to.equal(r.one("aws:apigateway/stage:Stage").state.arn);
        const acl = r.one("aws:wafv2/webAcl:WebAcl");
        expect(associations[0].inputs.webAclArn).to.equal(acl.state.arn);
        expect(((acl.inputs.rules as Json[])[0].statement as Json).rateBasedStatement).to.deep.equal({
          limit: 100000,
          aggregateKeyType: "IP",
        });
      });

      it("a stage with JSON access logs, a throttled usage plan and the key attached", () => {
        const stage = r.one("aws:apigateway/stage:Stage");
        expect(stage.inputs.stageName).to.equal(expected.stage);
        const logs = stage.inputs.accessLogSettings as Json;
        expect(logs.destinationArn).to.equal(
          r.one("aws:cloudwatch/logGroup:LogGroup", "-ingest-access-logs").state.arn,
        );
        expect(JSON.parse(logs.format as string)).to.include({
          requestId: "$context.requestId",
          status: "$context.status",
        });
        // Both kinds of stage logging need API Gateway's account-wide CloudWatch role, else the stage's creation
        // fails: "CloudWatch Logs role ARN must be set in account settings to enable logging" (AWS API Gateway
        // developer guide, "Set up CloudWatch logging for REST APIs", Permissions; anomalyco/sst#1556,
        // aws-solutions/virtual-waiting-module-on-aws#74). Dev, the stack deployed first, sets the role and the
        // stage waits for it; prod relies on dev's (apiLoggingRoleExists), so two stacks never both set it.
        const accounts = r.all("aws:apigateway/account:Account");
        if (stack === "dev") {
          expect(accounts).to.have.length(1);
          expect(stage.dependsOn).to.include(`aws:apigateway/account:Account::${accounts[0].name}`);
        } else expect(accounts).to.deep.equal([]);
        expect(
          (r.one("aws:apigateway/methodSettings:MethodSettings").inputs.settings as Json).loggingLevel,
        ).to.equal("ERROR");
        const plan = r.one("aws:apigateway/usagePlan:UsagePlan");
        expect(plan.inputs.throttleSettings).to.deep.equal(
          stack === "dev" ? { rateLimit: 50, burstLimit: 100 } : { rateLimit: 2000, burstLimit: 4000 },
        );
        expect(plan.inputs.quotaSettings).to.deep.equal(
          stack === "dev" ? { limit: 10_000_000, period: "DAY" } : { limit: 500_000_000, period: "DAY" },
        );
        const planKey = r.one("aws:apigateway/usagePlanKey:UsagePlanKey");
        expect(planKey.inputs).to.include({
          keyId: r.one("aws:apigateway/apiKey:ApiKey").id,
          usagePlanId: plan.id,
          keyType: "API_KEY",
        });
      });
    });
  });
