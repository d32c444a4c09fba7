// Ingest API: one REST API with an API key on every method. `POST /topics/{topic}` goes privately to the
// Kafka REST proxy (VPC link -> internal NLB); `/streams/...` are Kinesis service integrations.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { KAFKA_JSON_CONTENT_TYPE, REQUEST_BODY_SCHEMAS } from "../contract/wire";
import { apiGatewayKinesisPolicy, apiGatewayLoggingPolicy, serviceTrustPolicy } from "./iam";
import { ApiAuthorization, ApiQuotaPeriod } from "./config";
import {
  KINESIS_CLIENT_ERROR_RESPONSE_TEMPLATE,
  KinesisAction,
  kinesisActionUri,
  kinesisRequestTemplate,
  streamRoutes,
} from "./kinesisTemplates";
import { restProxyLoadBalancerName, restProxyTargetGroupName } from "./physicalNames";
import { REST_PROXY_HEALTH_PATH, REST_PROXY_PORT } from "./restProxyUserData";

export interface IngestApiArgs {
  region: string;
  accountId: pulumi.Input<string>;
  prefix: string;
  stageName: string;
  allowStreamAdmin: boolean;
  throttleRateLimit: number;
  throttleBurstLimit: number;
  manageAccountLogging: boolean;
  /**
   * Access logs and execution (ERROR) logs of the stage. Both need API Gateway's account-wide CloudWatch role:
   * without it, creating the stage fails with "CloudWatch Logs role ARN must be set in account settings to
   * enable logging" (AWS API Gateway developer guide, "Set up CloudWatch logging for REST APIs", Permissions;
   * the same error in anomalyco/sst#1556 and aws-solutions/virtual-waiting-module-on-aws#74).
   */
  logging: boolean;
  authorization: ApiAuthorization;
  quotaLimit: number;
  quotaPeriod: ApiQuotaPeriod;
  waf: boolean;
  wafRateLimit: number;
  vpcId: pulumi.Input<string>;
  /** The NLB's security group (infra/network.ts), the only one the REST proxy admits. */
  loadBalancerSecurityGroupId: pulumi.Input<string>;
  privateSubnetIds: pulumi.Input<string>[];
  restProxyInstanceIds: pulumi.Input<string>[];
  streamArns: pulumi.Input<string>[];
}

/** One JSON line per request in the stage's access log. */
export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: "$context.requestId",
  ip: "$context.identity.sourceIp",
  apiKeyId: "$context.identity.apiKeyId",
  requestTime: "$context.requestTime",
  httpMethod: "$context.httpMethod",
  resourcePath: "$context.resourcePath",
  status: "$context.status",
  responseLength: "$context.responseLength",
  integrationStatus: "$context.integration.status",
  integrationError: "$context.integration.error",
});

/**
 * Kinesis answers map to these statuses, so a caller can tell a rejected request from a failure worth retrying.
 * A 4xx that is Kinesis throttling becomes 429 through the 400 response's template; 429 is declared for it.
 */
const KINESIS_RESPONSES: { statusCode: string; selectionPattern?: string; template?: string }[] = [
  { statusCode: "200" },
  { statusCode: "400", selectionPattern: "4\\d{2}", template: KINESIS_CLIENT_ERROR_RESPONSE_TEMPLATE },
  { statusCode: "429" },
  { statusCode: "500", selectionPattern: "5\\d{2}" },
];

/** Method authorization of a mode: the API key is required in both, so the usage plan meters every caller. */
export const methodAuthorization = (mode: ApiAuthorization): "AWS_IAM" | "NONE" =>
  mode === "iam" ? "AWS_IAM" : "NONE";

const json = (value: unknown) => JSON.stringify(value);

const bodySchemaOf = (action: KinesisAction): keyof typeof REQUEST_BODY_SCHEMAS | undefined =>
  action === "PutRecord" || action === "PutRecords" ? action : undefined;

/** JSON with object keys in sorted order, so equal values always serialize the same. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * What a stage deployment serves, as one hash: the resolved arguments of every method, integration, response,
 * model and validator. A change to any of them (an integration URI, the VPC link, a credentials role,
 * apiKeyRequired, a template) makes a new deployment.
 */
export function deploymentFingerprint(parts: unknown[]): string {
  // Sorted: the set of served things matters, not the order they were declared in.
  const serialized = parts.map(stableJson).sort();
  return createHash("sha256")
    .update(`[${serialized.join(",")}]`)
    .digest("hex");
}

/**
 * API Gateway's roles trust this account's API Gateway only. API Gateway's guide does not say that it sends
 * aws:SourceAccount when it assumes an integration or logging role, so the condition is `...IfExists`: a request
 * on behalf of another account is refused, and the integration keeps working if the key is absent.
 */
function apiGatewayTrust(accountId: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi
    .output(accountId)
    .apply((account) => json(serviceTrustPolicy(["apigateway.amazonaws.com"], { account, ifExists: true })));
}

export class IngestApi extends pulumi.ComponentResource {
  readonly api: aws.apigateway.RestApi;
  readonly stage: aws.apigateway.Stage;
  readonly url: pulumi.Output<string>;
  readonly apiKey: pulumi.Output<string>;
  /** The internal NLB in front of the REST proxy and its target group (their ARN suffixes name their metrics). */
  readonly loadBalancer: aws.lb.LoadBalancer;
  readonly restProxyTargets: aws.lb.TargetGroup;
  /** The API resource path of the topic route (the Resource dimension of its detailed metrics). */
  readonly topicResourcePath: string;

  constructor(name: string, args: IngestApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pinterest:pipeline:IngestApi", name, {}, opts);
    const parent = { parent: this };

    // ---- private path to the REST proxy ----
    const nlb = new aws.lb.LoadBalancer(
      `${name}-nlb`,
      {
        name: restProxyLoadBalancerName(args.prefix),
        internal: true,
        loadBalancerType: "network",
        subnets: args.privateSubnetIds,
        enableCrossZoneLoadBalancing: true,
        // A security group can only be given to an NLB when it is created. Its group has no inbound rule, and
        // PrivateLink traffic (API Gateway's VPC link) is not held to inbound rules, so only the VPC link gets in.
        securityGroups: [args.loadBalancerSecurityGroupId],
        enforceSecurityGroupInboundRulesOnPrivateLinkTraffic: "off",
      },
      parent,
    );
    const targets = new aws.lb.TargetGroup(
      `${name}-rest-proxy`,
      {
        name: restProxyTargetGroupName(args.prefix),
        port: REST_PROXY_PORT,
        protocol: "TCP",
        targetType: "instance",
        vpcId: args.vpcId,
        // A route that asks the cluster, so a proxy that cannot reach MSK (network, IAM) is taken out of service.
        healthCheck: { protocol: "HTTP", port: String(REST_PROXY_PORT), path: REST_PROXY_HEALTH_PATH },
      },
      parent,
    );
    args.restProxyInstanceIds.forEach(
      (targetId, index) =>
        new aws.lb.TargetGroupAttachment(
          `${name}-rest-proxy-${index}`,
          { targetGroupArn: targets.arn, targetId, port: REST_PROXY_PORT },
          parent,
        ),
    );
    new aws.lb.Listener(
      `${name}-rest-proxy`,
      {
        loadBalancerArn: nlb.arn,
        port: REST_PROXY_PORT,
        protocol: "TCP",
        defaultActions: [{ type: "forward", targetGroupArn: targets.arn }],
      },
      parent,
    );
    const vpcLink = new aws.apigateway.VpcLink(
      `${name}-vpc-link`,
      { name: `${args.prefix}-rest-proxy`, targetArn: nlb.arn },
      parent,
    );

    // ---- the API and its routes ----
    this.api = new aws.apigateway.RestApi(
      `${name}-api`,
      { name: `${args.prefix}-ingest`, apiKeySource: "HEADER", endpointConfiguration: { types: "REGIONAL" } },
      parent,
    );
    const resources = new Map<string, aws.apigateway.Resource>();
    const resourceId = (path: string): pulumi.Output<string> => {
      if (path === "") return this.api.rootResourceId;
      const existing = resources.get(path);
      if (existing) return existing.id;
      const slash = path.lastIndexOf("/");
      const resource = new aws.apigateway.Resource(
        `${name}-${path.replace(/[{}]/g, "").replace(/\//g, "-")}`,
        {
          restApi: this.api.id,
          parentId: resourceId(path.slice(0, Math.max(slash, 0))),
          pathPart: path.slice(slash + 1),
        },
        parent,
      );
      resources.set(path, resource);
      return resource.id;
    };
    const pathParameters = (path: string) =>
      Object.fromEntries(
        [...path.matchAll(/\{([^}]+)\}/g)].map((match) => [`method.request.path.${match[1]}`, true]),
      );
    const routeName = (httpMethod: string, path: string) =>
      `${name}-${httpMethod.toLowerCase()}-${path.replace(/[{}]/g, "").replace(/\//g, "-")}`;
    // Everything the deployment serves: the resources it waits on, and their arguments for its trigger.
    const deploymentInputs: pulumi.Resource[] = [];
    const deploymentParts: unknown[] = [];
    const served = <T>(kind: string, routeArgs: T): T => {
      deploymentParts.push({ kind, args: routeArgs });
      return routeArgs;
    };

    // Missing required headers and bodies that break the model get a 400 from API Gateway itself.
    const validatorArgs = served("validator", {
      restApi: this.api.id,
      name: `${args.prefix}-body-and-headers`,
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const validator = new aws.apigateway.RequestValidator(`${name}-validator`, validatorArgs, parent);
    const model = (key: keyof typeof REQUEST_BODY_SCHEMAS, contentType: string) => {
      const modelArgs = served("model", {
        restApi: this.api.id,
        name: key.replace(/[^A-Za-z0-9]/g, ""),
        contentType,
        schema: json(REQUEST_BODY_SCHEMAS[key]),
      });
      const created = new aws.apigateway.Model(`${name}-model-${key.toLowerCase()}`, modelArgs, parent);
      deploymentInputs.push(created);
      return { [contentType]: created.name };
    };
    const bodyRequired = { "method.request.header.Content-Type": true };

    const topicPath = "topics/{topic}";
    const topicMethod = new aws.apigateway.Method(
      routeName("POST", topicPath),
      served("method", {
        restApi: this.api.id,
        resourceId: resourceId(topicPath),
        httpMethod: "POST",
        authorization: methodAuthorization(args.authorization),
        apiKeyRequired: true,
        requestParameters: { ...pathParameters(topicPath), ...bodyRequired },
        requestValidatorId: validator.id,
        requestModels: model("produce", KAFKA_JSON_CONTENT_TYPE),
      }),
      parent,
    );
    const topicIntegration = new aws.apigateway.Integration(
      routeName("POST", topicPath),
      served("integration", {
        restApi: this.api.id,
        resourceId: topicMethod.resourceId,
        httpMethod: topicMethod.httpMethod,
        type: "HTTP_PROXY",
        integrationHttpMethod: "POST",
        uri: pulumi.interpolate`http://${nlb.dnsName}:${REST_PROXY_PORT}/topics/{topic}`,
        connectionType: "VPC_LINK",
        connectionId: vpcLink.id,
        requestParameters: { "integration.request.path.topic": "method.request.path.topic" },
      }),
      parent,
    );
    deploymentInputs.push(validator, topicMethod, topicIntegration);

    const kinesisRole = new aws.iam.Role(
      `${name}-kinesis`,
      { assumeRolePolicy: apiGatewayTrust(args.accountId) },
      parent,
    );
    const kinesisPolicy = new aws.iam.RolePolicy(
      `${name}-kinesis`,
      {
        role: kinesisRole.id,
        policy: pulumi
          .all(args.streamArns)
          .apply((arns) => json(apiGatewayKinesisPolicy(arns, args.allowStreamAdmin))),
      },
      parent,
    );
    const routes = streamRoutes(args.allowStreamAdmin);
    for (const route of routes) {
      const routeId = routeName(route.httpMethod, route.path);
      const bodySchema = bodySchemaOf(route.action);
      const method = new aws.apigateway.Method(
        routeId,
        served("method", {
          restApi: this.api.id,
          resourceId: resourceId(route.path),
          httpMethod: route.httpMethod,
          authorization: methodAuthorization(args.authorization),
          apiKeyRequired: true,
          requestParameters: { ...pathParameters(route.path), ...(bodySchema ? bodyRequired : {}) },
          ...(bodySchema
            ? { requestValidatorId: validator.id, requestModels: model(bodySchema, "application/json") }
            : {}),
        }),
        parent,
      );
      const integration = new aws.apigateway.Integration(
        routeId,
        served("integration", {
          restApi: this.api.id,
          resourceId: method.resourceId,
          httpMethod: method.httpMethod,
          type: "AWS",
          integrationHttpMethod: "POST",
          uri: kinesisActionUri(args.region, route.action),
          credentials: kinesisRole.arn,
          passthroughBehavior: "NEVER",
          requestParameters: { "integration.request.header.Content-Type": "'application/x-amz-json-1.1'" },
          requestTemplates: { "application/json": kinesisRequestTemplate(route.action) },
        }),
        { parent: this, dependsOn: [kinesisPolicy] },
      );
      deploymentInputs.push(method, integration);
      for (const response of KINESIS_RESPONSES) {
        const methodResponse = new aws.apigateway.MethodResponse(
          `${routeId}-${response.statusCode}`,
          served("methodResponse", {
            restApi: this.api.id,
            resourceId: method.resourceId,
            httpMethod: method.httpMethod,
            statusCode: response.statusCode,
          }),
          parent,
        );
        if (response.statusCode === "429") {
          // Reached through the 400 response's status override only.
          deploymentInputs.push(methodResponse);
          continue;
        }
        const integrationResponse = new aws.apigateway.IntegrationResponse(
          `${routeId}-${response.statusCode}`,
          served("integrationResponse", {
            restApi: this.api.id,
            resourceId: method.resourceId,
            httpMethod: method.httpMethod,
            statusCode: methodResponse.statusCode,
            selectionPattern: response.selectionPattern,
            ...(response.template ? { responseTemplates: { "application/json": response.template } } : {}),
          }),
          { parent: this, dependsOn: [integration] },
        );
        deploymentInputs.push(methodResponse, integrationResponse);
      }
    }

    const deployment = new aws.apigateway.Deployment(
      `${name}-deployment`,
      {
        restApi: this.api.id,
        triggers: { configuration: pulumi.output(deploymentParts).apply(deploymentFingerprint) },
      },
      { parent: this, dependsOn: deploymentInputs },
    );

    // ---- logging, stage, keys and throttling ----
    const accountLogging: pulumi.Resource[] = [];
    if (args.manageAccountLogging) {
      const loggingRole = new aws.iam.Role(
        `${name}-cloudwatch`,
        { assumeRolePolicy: apiGatewayTrust(args.accountId) },
        parent,
      );
      const loggingPolicy = new aws.iam.RolePolicy(
        `${name}-cloudwatch`,
        { role: loggingRole.id, policy: json(apiGatewayLoggingPolicy()) },
        parent,
      );
      // Account-wide setting of API Gateway: the role it uses to write any API's logs in this region.
      accountLogging.push(
        new aws.apigateway.Account(
          `${name}-account`,
          { cloudwatchRoleArn: loggingRole.arn },
          { parent: this, dependsOn: [loggingPolicy] },
        ),
      );
    }
    const accessLogs = new aws.cloudwatch.LogGroup(
      `${name}-access-logs`,
      // Retention (and key) of every log group: the stack's hardening transformation (infra/hardeningTransforms.ts).
      { name: `/pinterest/${args.prefix}/ingest-api-access` },
      parent,
    );
    this.stage = new aws.apigateway.Stage(
      `${name}-stage`,
      {
        restApi: this.api.id,
        deployment: deployment.id,
        stageName: args.stageName,
        ...(args.logging
          ? { accessLogSettings: { destinationArn: accessLogs.arn, format: ACCESS_LOG_FORMAT } }
          : {}),
      },
      { parent: this, dependsOn: accountLogging },
    );
    // The group API Gateway writes the stage's execution logs to, declared so that the stack sets its retention
    // (API Gateway would create it on the first logged request, without expiry).
    const executionLogs = new aws.cloudwatch.LogGroup(
      `${name}-execution-logs`,
      { name: pulumi.interpolate`API-Gateway-Execution-Logs_${this.api.id}/${this.stage.stageName}` },
      parent,
    );
    new aws.apigateway.MethodSettings(
      `${name}-method-settings`,
      {
        restApi: this.api.id,
        stageName: this.stage.stageName,
        methodPath: "*/*",
        settings: { metricsEnabled: true, loggingLevel: args.logging ? "ERROR" : "OFF" },
      },
      { parent: this, dependsOn: [executionLogs] },
    );
    const usagePlan = new aws.apigateway.UsagePlan(
      `${name}-usage-plan`,
      {
        name: `${args.prefix}-ingest`,
        apiStages: [{ apiId: this.api.id, stage: this.stage.stageName }],
        throttleSettings: { rateLimit: args.throttleRateLimit, burstLimit: args.throttleBurstLimit },
        quotaSettings: { limit: args.quotaLimit, period: args.quotaPeriod },
      },
      parent,
    );
    if (args.waf) {
      // Security Hub APIGateway.4: a WAF web ACL on the stage. The rate-based rule blocks a source IP above
      // wafRateLimit requests per 5 minutes (WAF's default evaluation window).
      const webAcl = new aws.wafv2.WebAcl(
        `${name}-waf`,
        {
          name: `${args.prefix}-ingest`,
          scope: "REGIONAL",
          defaultAction: { allow: {} },
          rules: [
            {
              name: "rate-per-ip",
              priority: 0,
              action: { block: {} },
              statement: { rateBasedStatement: { limit: args.wafRateLimit, aggregateKeyType: "IP" } },
              visibilityConfig: {
                cloudwatchMetricsEnabled: true,
                metricName: `${args.prefix}-ingest-rate-per-ip`,
                sampledRequestsEnabled: false,
              },
            },
          ],
          visibilityConfig: {
            cloudwatchMetricsEnabled: true,
            metricName: `${args.prefix}-ingest`,
            sampledRequestsEnabled: false,
          },
        },
        parent,
      );
      new aws.wafv2.WebAclAssociation(
        `${name}-waf`,
        { resourceArn: this.stage.arn, webAclArn: webAcl.arn },
        parent,
      );
    }
    const key = new aws.apigateway.ApiKey(
      `${name}-key`,
      { name: `${args.prefix}-ingest`, enabled: true },
      parent,
    );
    new aws.apigateway.UsagePlanKey(
      `${name}-key`,
      { keyId: key.id, keyType: "API_KEY", usagePlanId: usagePlan.id },
      parent,
    );

    this.loadBalancer = nlb;
    this.restProxyTargets = targets;
    this.topicResourcePath = `/${topicPath}`;
    this.url = this.stage.invokeUrl;
    this.apiKey = pulumi.secret(key.value);
    this.registerOutputs({ url: this.url, apiKey: this.apiKey });
  }
}
