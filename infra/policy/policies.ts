// The security rules of the pipeline as CrossGuard policies (the pack itself is index.ts).
// Values not known yet during a preview are skipped; `pulumi up` checks them once known.
import {
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { PolicyDocument, policyViolations } from "../iam";

type Props = Record<string, unknown>;

const T = {
  bucket: "aws:s3/bucket:Bucket",
  bucketV2: "aws:s3/bucketV2:BucketV2",
  encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  encryptionV2: "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
  publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  bucketAcl: "aws:s3/bucketAcl:BucketAcl",
  bucketAclV2: "aws:s3/bucketAclV2:BucketAclV2",
  kinesisStream: "aws:kinesis/stream:Stream",
  instance: "aws:ec2/instance:Instance",
  launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
  mskCluster: "aws:msk/cluster:Cluster",
  mskServerless: "aws:msk/serverlessCluster:ServerlessCluster",
  connector: "aws:mskconnect/connector:Connector",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  securityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
  ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  apiMethod: "aws:apigateway/method:Method",
  mwaa: "aws:mwaa/environment:Environment",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  policy: "aws:iam/policy:Policy",
} as const;

const OPEN_CIDRS = ["0.0.0.0/0", "::/0"];
const BUCKET_TYPES: string[] = [T.bucket, T.bucketV2];

const get = (props: Props, path: string): unknown =>
  path.split(".").reduce<unknown>((value, key) => {
    if (value === undefined || value === null) return undefined;
    const node = Array.isArray(value) ? value[0] : value;
    return typeof node === "object" && node !== null ? (node as Props)[key] : undefined;
  }, props);

const list = (value: unknown): unknown[] =>
  value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];

function parseDocument(value: unknown): PolicyDocument | undefined {
  if (typeof value === "string") {
    try {
      return JSON.parse(value) as PolicyDocument;
    } catch {
      return undefined;
    }
  }
  return typeof value === "object" && value !== null ? (value as PolicyDocument) : undefined;
}

function resourcePolicy(
  name: string,
  description: string,
  validate: (args: ResourceValidationArgs, report: ReportViolation) => void,
): ResourceValidationPolicy {
  return { name, description, enforcementLevel: "mandatory", validateResource: validate };
}

/** Each bucket must have a companion resource (whose `bucket` property depends on it) that satisfies `ok`. */
function bucketCompanionPolicy(
  name: string,
  description: string,
  companionTypes: string[],
  ok: (companion: PolicyResource) => boolean,
  missing: string,
): StackValidationPolicy {
  return {
    name,
    description,
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
      const companions = args.resources.filter((resource) => companionTypes.includes(resource.type));
      for (const bucket of args.resources.filter((resource) => BUCKET_TYPES.includes(resource.type))) {
        const own = companions.filter((companion) =>
          (companion.propertyDependencies.bucket ?? []).some((dependency) => dependency.urn === bucket.urn),
        );
        if (!own.some(ok)) report(`bucket ${bucket.name}: ${missing}`, bucket.urn);
      }
    },
  };
}

export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  bucketCompanionPolicy(
    "s3-encryption-at-rest",
    "Every S3 bucket has a default server-side encryption configuration.",
    [T.encryption, T.encryptionV2],
    (config) =>
      list(config.props.rules).some((rule) =>
        ["AES256", "aws:kms", "aws:kms:dsse"].includes(
          String(get(rule as Props, "applyServerSideEncryptionByDefault.sseAlgorithm")),
        ),
      ),
    "no server-side encryption configuration (add aws.s3.BucketServerSideEncryptionConfiguration)",
  ),
  bucketCompanionPolicy(
    "s3-public-access-blocked",
    "Every S3 bucket blocks public ACLs and policies.",
    [T.publicAccessBlock],
    (block) =>
      ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"].every(
        (flag) => block.props[flag] === true,
      ),
    "public access is not fully blocked (add aws.s3.BucketPublicAccessBlock with all four flags true)",
  ),
  bucketCompanionPolicy(
    "s3-tls-only",
    "Every S3 bucket policy denies requests not made over TLS.",
    [T.bucketPolicy],
    (policy) => {
      const doc = parseDocument(policy.props.policy);
      if (doc === undefined) return true; // not known during preview
      return doc.Statement.some(
        (statement) =>
          statement.Effect === "Deny" &&
          String(get((statement.Condition ?? {}) as Props, "Bool.aws:SecureTransport")) === "false",
      );
    },
    "no bucket policy denies aws:SecureTransport false (add a TLS-only bucket policy)",
  ),
  resourcePolicy(
    "s3-no-public-grants",
    "No bucket policy allows everyone, and no bucket ACL is public.",
    (args, report) => {
      if (args.type === T.bucketPolicy) {
        const doc = parseDocument(args.props.policy);
        for (const statement of doc?.Statement ?? []) {
          const principal = statement.Principal;
          const everyone = principal === "*" || list(get((principal ?? {}) as Props, "AWS")).includes("*");
          if (statement.Effect === "Allow" && everyone && statement.Condition === undefined)
            report("bucket policy allows any principal");
        }
      }
      if (
        (args.type === T.bucketAcl || args.type === T.bucketAclV2) &&
        /^public-|authenticated-read/.test(String(args.props.acl ?? ""))
      ) {
        report(`bucket ACL "${args.props.acl}" is public`);
      }
    },
  ),
  resourcePolicy(
    "encryption-at-rest",
    "Kinesis streams use KMS; EC2 root volumes are encrypted.",
    (args, report) => {
      if (args.type === T.kinesisStream && args.props.encryptionType !== "KMS")
        report('Kinesis stream must set encryptionType "KMS"');
      if (args.type === T.instance && get(args.props, "rootBlockDevice.encrypted") !== true)
        report("EC2 root volume must be encrypted (rootBlockDevice.encrypted)");
    },
  ),
  resourcePolicy(
    "encryption-in-transit",
    "MSK and MSK Connect use TLS between clients and brokers and inside the cluster.",
    (args, report) => {
      if (args.type === T.mskCluster) {
        if (get(args.props, "encryptionInfo.encryptionInTransit.clientBroker") !== "TLS")
          report('MSK clientBroker encryption must be "TLS"');
        if (get(args.props, "encryptionInfo.encryptionInTransit.inCluster") === false)
          report("MSK in-cluster encryption must stay on");
      }
      if (
        args.type === T.connector &&
        get(args.props, "kafkaClusterEncryptionInTransit.encryptionType") !== "TLS"
      ) {
        report('MSK Connect must reach Kafka with encryptionType "TLS"');
      }
    },
  ),
  resourcePolicy(
    "kafka-iam-auth",
    "Kafka clients authenticate with IAM; unauthenticated access is off.",
    (args, report) => {
      if (args.type === T.mskCluster) {
        if (get(args.props, "clientAuthentication.sasl.iam") !== true)
          report("MSK must enable IAM client authentication (clientAuthentication.sasl.iam)");
        if (get(args.props, "clientAuthentication.unauthenticated") === true)
          report("MSK must not allow unauthenticated clients");
      }
      if (
        args.type === T.mskServerless &&
        get(args.props, "clientAuthentication.sasl.iam.enabled") !== true
      ) {
        report("MSK Serverless must enable IAM client authentication");
      }
      if (
        args.type === T.connector &&
        get(args.props, "kafkaClusterClientAuthentication.authenticationType") !== "IAM"
      ) {
        report('MSK Connect must authenticate with "IAM"');
      }
    },
  ),
  resourcePolicy(
    "no-open-ingress",
    "No security group accepts traffic from the whole internet.",
    (args, report) => {
      const open = (cidrs: unknown) => list(cidrs).some((cidr) => OPEN_CIDRS.includes(String(cidr)));
      if (args.type === T.securityGroup) {
        for (const rule of list(args.props.ingress) as Props[]) {
          if (open(rule.cidrBlocks) || open(rule.ipv6CidrBlocks))
            report(`ingress on ports ${rule.fromPort}-${rule.toPort} is open to the internet`);
        }
      }
      if (
        args.type === T.securityGroupRule &&
        args.props.type === "ingress" &&
        (open(args.props.cidrBlocks) || open(args.props.ipv6CidrBlocks))
      ) {
        report("ingress rule is open to the internet");
      }
      if (args.type === T.ingressRule && (open(args.props.cidrIpv4) || open(args.props.cidrIpv6)))
        report("ingress rule is open to the internet");
    },
  ),
  resourcePolicy("api-key-required", "Every API Gateway method requires an API key.", (args, report) => {
    if (args.type === T.apiMethod && args.props.apiKeyRequired !== true)
      report(`method ${args.props.httpMethod ?? ""} must set apiKeyRequired`);
  }),
  resourcePolicy(
    "ec2-imdsv2",
    "EC2 instances and launch templates require IMDSv2 tokens.",
    (args, report) => {
      if (
        (args.type === T.instance || args.type === T.launchTemplate) &&
        get(args.props, "metadataOptions.httpTokens") !== "required"
      ) {
        report('metadataOptions.httpTokens must be "required" (IMDSv2)');
      }
    },
  ),
  resourcePolicy(
    "mwaa-private-webserver",
    "The MWAA webserver is reachable from the VPC only.",
    (args, report) => {
      if (args.type === T.mwaa && args.props.webserverAccessMode !== "PRIVATE_ONLY")
        report('webserverAccessMode must be "PRIVATE_ONLY"');
    },
  ),
  resourcePolicy(
    "iam-least-privilege",
    "No IAM policy allows a wildcard action, or a wildcard action on every resource.",
    (args, report) => {
      const documents: unknown[] = [];
      if (args.type === T.rolePolicy || args.type === T.policy) documents.push(args.props.policy);
      if (args.type === T.role)
        documents.push(...list(args.props.inlinePolicies).map((inline) => (inline as Props).policy));
      for (const value of documents) {
        const doc = parseDocument(value);
        for (const problem of doc ? policyViolations(doc) : []) report(problem);
      }
    },
  ),
];
