// Security rules of the ingest path and the stack's identities (issue 23 of the security review): nothing reaches
// the REST proxy around its load balancer, prod's API takes SigV4 behind a WAF and cannot create or delete
// streams, every service role names the account (and resource) it serves, Kafka is durable in prod, old object
// versions expire, secrets can be recovered, and a customer key (when there is one) covers every store.
// "In prod" means a stack named prod, as in hardening.ts.
import {
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { minInsyncReplicas } from "../config";
import { CUSTOMER_KEY_TYPES } from "../hardeningTransforms";
import { PolicyDocument, trustPolicyViolations } from "../iam";
import { REST_PROXY_PORT } from "../restProxyUserData";
import { PROD_STACK, stackOfUrn } from "./hardening";

type Props = Record<string, unknown>;

const T = {
  role: "aws:iam/role:Role",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  securityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
  ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
  apiMethod: "aws:apigateway/method:Method",
  apiIntegration: "aws:apigateway/integration:Integration",
  apiStage: "aws:apigateway/stage:Stage",
  webAcl: "aws:wafv2/webAcl:WebAcl",
  webAclAssociation: "aws:wafv2/webAclAssociation:WebAclAssociation",
  mskTopic: "aws:msk/topic:Topic",
  mskConfiguration: "aws:msk/configuration:Configuration",
  instance: "aws:ec2/instance:Instance",
  bucket: "aws:s3/bucket:Bucket",
  lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  lifecycleV2: "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
  secret: "aws:secretsmanager/secret:Secret",
  kmsKey: "aws:kms/key:Key",
  mwaaEnvironment: "aws:mwaa/environment:Environment",
} as const;

/** Kafka durability in prod: MSK's version-upgrade best practices (RF 3 in a 3-AZ cluster, min ISR RF - 1). */
export const PROD_MIN_REPLICATION_FACTOR = 3;
export const PROD_MIN_INSYNC_REPLICAS = minInsyncReplicas(PROD_MIN_REPLICATION_FACTOR);
export const PROD_MIN_REST_PROXIES = 2;
export const MIN_SECRET_RECOVERY_DAYS = 7;

const isProd = (urn: string) => stackOfUrn(urn) === PROD_STACK;
const list = (value: unknown): unknown[] =>
  value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];

function mandatory(
  name: string,
  description: string,
  validateResource: (args: ResourceValidationArgs, report: ReportViolation) => void,
): ResourceValidationPolicy {
  return { name, description, enforcementLevel: "mandatory", validateResource };
}

function stackRule(
  name: string,
  description: string,
  validateStack: (resources: PolicyResource[], report: ReportViolation) => void,
): StackValidationPolicy {
  return {
    name,
    description,
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, report: ReportViolation) =>
      validateStack(args.resources, report),
  };
}

function parseDocument(value: unknown): PolicyDocument | undefined {
  if (typeof value !== "string")
    return typeof value === "object" && value !== null ? (value as PolicyDocument) : undefined;
  try {
    return JSON.parse(value) as PolicyDocument;
  } catch {
    return undefined;
  }
}

/** Resources among `candidates` whose property `property` depends on `target`. */
const dependingOn = (candidates: PolicyResource[], property: string, target: PolicyResource) =>
  candidates.filter((candidate) =>
    (candidate.propertyDependencies[property] ?? []).some((dependency) => dependency.urn === target.urn),
  );

/** Whether a port range covers the REST proxy's port. */
const coversProxyPort = (from: unknown, to: unknown) =>
  Number(from) <= REST_PROXY_PORT &&
  REST_PROXY_PORT <= Number(to) &&
  !(Number(from) === 0 && Number(to) === 0);

export const securityPolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  mandatory(
    "service-trust-source-conditions",
    "A role trusted by an AWS service (other than EC2) names the source account (the confused-deputy guard).",
    (args, report) => {
      if (args.type !== T.role) return;
      const doc = parseDocument(args.props.assumeRolePolicy);
      for (const problem of doc ? trustPolicyViolations(doc) : []) report(problem);
    },
  ),
  mandatory(
    "rest-proxy-behind-its-load-balancer",
    "The REST proxy's port is opened to security groups, never to address ranges; internal NLBs carry a security group.",
    (args, report) => {
      const cidrs = (rule: Props) =>
        [
          ...list(rule.cidrBlocks),
          ...list(rule.ipv6CidrBlocks),
          ...list(rule.cidrIpv4),
          ...list(rule.cidrIpv6),
        ].length > 0;
      if (args.type === T.securityGroup) {
        for (const rule of list(args.props.ingress) as Props[]) {
          if (coversProxyPort(rule.fromPort, rule.toPort) && cidrs(rule))
            report(
              `port ${REST_PROXY_PORT} is open to an address range; admit the load balancer's security group`,
            );
        }
      }
      if (
        (args.type === T.securityGroupRule && args.props.type === "ingress") ||
        args.type === T.ingressRule
      ) {
        const from = args.props.fromPort;
        const to = args.props.toPort;
        if (coversProxyPort(from, to) && cidrs(args.props))
          report(
            `port ${REST_PROXY_PORT} is open to an address range; admit the load balancer's security group`,
          );
      }
      if (
        args.type === T.loadBalancer &&
        args.props.loadBalancerType === "network" &&
        list(args.props.securityGroups).length === 0
      ) {
        report("a network load balancer without a security group lets anything in the VPC reach its targets");
      }
    },
  ),
  mandatory(
    "prod-api-iam-authorization",
    "Every API method in prod requires SigV4 (AWS_IAM).",
    (args, report) => {
      if (args.type === T.apiMethod && isProd(args.urn) && args.props.authorization !== "AWS_IAM")
        report(`method ${String(args.props.httpMethod ?? "")} must set authorization "AWS_IAM" in prod`);
    },
  ),
  mandatory(
    "prod-no-stream-admin",
    "No API route of a prod stack creates or deletes a Kinesis stream.",
    (args, report) => {
      if (
        args.type === T.apiIntegration &&
        isProd(args.urn) &&
        /:kinesis:action\/(CreateStream|DeleteStream)$/.test(String(args.props.uri ?? ""))
      ) {
        report(`the route calls ${String(args.props.uri).split("/").pop()}: set allowStreamAdmin false`);
      }
    },
  ),
  stackRule(
    "prod-api-waf",
    "Every API stage of a prod stack has a WAF web ACL with a rate-based rule (Security Hub APIGateway.4).",
    (resources, report) => {
      const associations = resources.filter((resource) => resource.type === T.webAclAssociation);
      for (const stage of resources.filter(
        (resource) => resource.type === T.apiStage && isProd(resource.urn),
      )) {
        const acls = dependingOn(associations, "resourceArn", stage).flatMap(
          (association) => association.propertyDependencies.webAclArn ?? [],
        );
        const rated = acls.some((acl) =>
          list(acl.props.rules).some(
            (rule) => ((rule as Props).statement as Props | undefined)?.rateBasedStatement !== undefined,
          ),
        );
        if (!rated)
          report(`stage ${stage.name}: no WAF web ACL with a rate-based rule (set apiWaf true)`, stage.urn);
      }
    },
  ),
  mandatory(
    "prod-kafka-durability",
    `Kafka topics of a prod stack keep ${PROD_MIN_REPLICATION_FACTOR} replicas and ${PROD_MIN_INSYNC_REPLICAS} in sync.`,
    (args, report) => {
      if (!isProd(args.urn)) return;
      if (args.type === T.mskTopic && Number(args.props.replicationFactor) < PROD_MIN_REPLICATION_FACTOR)
        report(
          `topic replication factor ${String(args.props.replicationFactor)} is below ${PROD_MIN_REPLICATION_FACTOR}`,
        );
      if (args.type === T.mskConfiguration) {
        const properties = String(args.props.serverProperties ?? "");
        const isr = /^min\.insync\.replicas=(\d+)$/m.exec(properties);
        const rf = /^default\.replication\.factor=(\d+)$/m.exec(properties);
        if (!isr || Number(isr[1]) < PROD_MIN_INSYNC_REPLICAS)
          report(`min.insync.replicas must be at least ${PROD_MIN_INSYNC_REPLICAS}`);
        if (!rf || Number(rf[1]) < PROD_MIN_REPLICATION_FACTOR)
          report(`default.replication.factor must be at least ${PROD_MIN_REPLICATION_FACTOR}`);
      }
    },
  ),
  mandatory(
    "ec2-auto-recovery",
    "EC2 instances recover by themselves from a failed host (maintenanceOptions.autoRecovery default).",
    (args, report) => {
      if (
        args.type === T.instance &&
        (args.props.maintenanceOptions as Props | undefined)?.autoRecovery !== "default"
      )
        report('maintenanceOptions.autoRecovery must be "default"');
    },
  ),
  stackRule(
    "prod-rest-proxy-redundant",
    `A prod stack runs at least ${PROD_MIN_REST_PROXIES} REST proxy instances.`,
    (resources, report) => {
      const prod = resources.some((resource) => isProd(resource.urn));
      const proxies = resources.filter((resource) => resource.type === T.instance);
      if (prod && proxies.length < PROD_MIN_REST_PROXIES)
        report(
          `${proxies.length} REST proxy instance(s): set restProxyInstanceCount to ${PROD_MIN_REST_PROXIES} or more`,
        );
    },
  ),
  stackRule(
    "s3-noncurrent-versions-expire",
    "Every bucket has a lifecycle rule that expires noncurrent object versions (Security Hub S3.13).",
    (resources, report) => {
      const lifecycles = resources.filter((resource) =>
        [T.lifecycle, T.lifecycleV2].includes(resource.type as never),
      );
      for (const bucket of resources.filter((resource) => resource.type === T.bucket)) {
        const expires = dependingOn(lifecycles, "bucket", bucket).some((lifecycle) =>
          list(lifecycle.props.rules).some(
            (rule) =>
              (rule as Props).status === "Enabled" &&
              list((rule as Props).noncurrentVersionExpiration).some(
                (expiry) => Number((expiry as Props).noncurrentDays) > 0,
              ),
          ),
        );
        if (!expires)
          report(`bucket ${bucket.name}: no enabled rule expires noncurrent versions`, bucket.urn);
      }
    },
  ),
  mandatory(
    "secret-recovery-window",
    `A deleted secret of a prod stack stays recoverable for at least ${MIN_SECRET_RECOVERY_DAYS} days.`,
    (args, report) => {
      if (args.type !== T.secret || !isProd(args.urn)) return;
      const days = args.props.recoveryWindowInDays;
      // Secrets Manager's default window is 30 days.
      if (days !== undefined && Number(days) < MIN_SECRET_RECOVERY_DAYS)
        report(`recoveryWindowInDays ${String(days)} is below ${MIN_SECRET_RECOVERY_DAYS}`);
    },
  ),
  stackRule(
    "customer-key-everywhere",
    "With a customer-managed key in the stack, every store (buckets, streams, MSK, root volumes, topics, secrets, the MWAA environment) uses it.",
    (resources, report) => {
      if (!resources.some((resource) => resource.type === T.kmsKey)) return;
      const keyOf = (resource: PolicyResource): unknown => {
        const props = resource.props;
        switch (resource.type) {
          case "aws:kinesis/stream:Stream":
            return props.kmsKeyId;
          case "aws:msk/cluster:Cluster":
            return (props.encryptionInfo as Props | undefined)?.encryptionAtRestKmsKeyArn;
          case "aws:ec2/instance:Instance":
            return (props.rootBlockDevice as Props | undefined)?.kmsKeyId;
          case "aws:sns/topic:Topic":
            return props.kmsMasterKeyId;
          case "aws:secretsmanager/secret:Secret":
            return props.kmsKeyId;
          case T.mwaaEnvironment:
            return props.kmsKey;
          default: {
            const rule = list(props.rules)[0] as Props | undefined;
            return (rule?.applyServerSideEncryptionByDefault as Props | undefined)?.kmsMasterKeyId;
          }
        }
      };
      const stores = [...CUSTOMER_KEY_TYPES, T.mwaaEnvironment];
      for (const resource of resources.filter((candidate) => stores.includes(candidate.type))) {
        const key = keyOf(resource);
        if (typeof key !== "string" || key === "")
          report(
            `${resource.type.split(":").pop()} ${resource.name} does not use the customer-managed key`,
            resource.urn,
          );
      }
    },
  ),
];
