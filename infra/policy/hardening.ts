// Hardening rules of the pipeline as CrossGuard policies: VPC flow logs, a closed default security group,
// log retention, Kinesis retention and a protected data bucket in prod, and the stack's tags on everything.
// "In prod" means a stack named prod (the stack is the second part of every URN: urn:pulumi:<stack>::...).
import {
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { DEFAULT_TAG_KEYS } from "../defaultTags";

type Props = Record<string, unknown>;

const T = {
  vpc: "aws:ec2/vpc:Vpc",
  flowLog: "aws:ec2/flowLog:FlowLog",
  defaultSecurityGroup: "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  kinesisStream: "aws:kinesis/stream:Stream",
  bucket: "aws:s3/bucket:Bucket",
} as const;

export const PROD_STACK = "prod";
export const PROD_MIN_LOG_RETENTION_DAYS = 365;
export const PROD_MIN_KINESIS_RETENTION_HOURS = 168;
/** The component whose bucket is the data lake. */
export const DATA_LAKE_COMPONENT = "pinterest:pipeline:DataLake";

/** The stack of a URN (urn:pulumi:<stack>::<project>::<type>::<name>). */
export function stackOfUrn(urn: string): string {
  return urn.split("::")[0].replace(/^urn:pulumi:/, "");
}

const isProd = (urn: string) => stackOfUrn(urn) === PROD_STACK;

function mandatory(
  name: string,
  description: string,
  validateResource: (args: ResourceValidationArgs, report: ReportViolation) => void,
): ResourceValidationPolicy {
  return { name, description, enforcementLevel: "mandatory", validateResource };
}

/** Every VPC has a resource of `companionType` whose vpcId depends on it and that satisfies `ok`. */
function vpcCompanionPolicy(
  name: string,
  description: string,
  companionType: string,
  ok: (companion: PolicyResource) => boolean,
  missing: string,
): StackValidationPolicy {
  return {
    name,
    description,
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
      const companions = args.resources.filter((resource) => resource.type === companionType);
      for (const vpc of args.resources.filter((resource) => resource.type === T.vpc)) {
        const own = companions.filter((companion) =>
          (companion.propertyDependencies.vpcId ?? []).some((dependency) => dependency.urn === vpc.urn),
        );
        if (!own.some(ok)) report(`VPC ${vpc.name}: ${missing}`, vpc.urn);
      }
    },
  };
}

const rules = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Default tags of a provider's props; the engine may hand them over as the JSON string the SDK sent. */
function providerDefaultTags(props: Props | undefined): Record<string, unknown> {
  let defaultTags = props?.defaultTags;
  if (typeof defaultTags === "string") {
    try {
      defaultTags = JSON.parse(defaultTags);
    } catch {
      return {};
    }
  }
  const tags = (defaultTags as Props | undefined)?.tags;
  return typeof tags === "object" && tags !== null ? (tags as Record<string, unknown>) : {};
}

export const hardeningPolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  vpcCompanionPolicy(
    "vpc-flow-logs",
    "Every VPC records its traffic with a flow log.",
    T.flowLog,
    (flowLog) => flowLog.props.trafficType === "ALL",
    "no flow log of ALL traffic (add aws.ec2.FlowLog with trafficType ALL)",
  ),
  vpcCompanionPolicy(
    "default-security-group-closed",
    "Every VPC's default security group has no rules, so nothing attached to it by default can talk.",
    T.defaultSecurityGroup,
    (group) => rules(group.props.ingress).length === 0 && rules(group.props.egress).length === 0,
    "its default security group is not adopted without rules (add aws.ec2.DefaultSecurityGroup with no ingress or egress)",
  ),
  mandatory(
    "log-retention",
    `Every log group expires its events (config logRetentionDays); in the ${PROD_STACK} stack after ${PROD_MIN_LOG_RETENTION_DAYS} days at the earliest.`,
    (args, report) => {
      if (args.type !== T.logGroup) return;
      const days = args.props.retentionInDays;
      if (typeof days !== "number" || days <= 0) {
        report("log group keeps its events forever: set retentionInDays (config logRetentionDays)");
      } else if (isProd(args.urn) && days < PROD_MIN_LOG_RETENTION_DAYS) {
        report(
          `log group keeps its events ${days} days; the ${PROD_STACK} stack keeps them at least ${PROD_MIN_LOG_RETENTION_DAYS}: run \`pulumi config set logRetentionDays ${PROD_MIN_LOG_RETENTION_DAYS}\``,
        );
      }
    },
  ),
  mandatory(
    "kinesis-retention-prod",
    `Kinesis streams of the ${PROD_STACK} stack keep records at least ${PROD_MIN_KINESIS_RETENTION_HOURS} hours, so the stream job can replay a week.`,
    (args, report) => {
      if (args.type !== T.kinesisStream || !isProd(args.urn)) return;
      const hours = args.props.retentionPeriod;
      if (typeof hours !== "number" || hours < PROD_MIN_KINESIS_RETENTION_HOURS) {
        report(
          `stream keeps records ${hours ?? 24} hours: run \`pulumi config set streamRetentionHours ${PROD_MIN_KINESIS_RETENTION_HOURS}\``,
        );
      }
    },
  ),
  mandatory(
    "prod-data-bucket-protected",
    `The data lake bucket of the ${PROD_STACK} stack is protected: no update or destroy deletes it.`,
    (args, report) => {
      if (args.type !== T.bucket || !isProd(args.urn)) return;
      // The parent's URN ends in its (possibly parent-qualified) type and name: ...::[Parent$]DataLake::<name>.
      const inDataLake = new RegExp(`(::|\\$)${DATA_LAKE_COMPONENT}::[^:]+$`).test(args.opts.parent ?? "");
      if (inDataLake && args.opts.protect !== true)
        report("data bucket is not protected: run `pulumi config set protectDataBucket true`");
    },
  ),
  mandatory(
    "stack-tags",
    `Every AWS resource carries the tags ${DEFAULT_TAG_KEYS.join(", ")}: from its provider's default tags, or its own.`,
    (args, report) => {
      if (!args.type.startsWith("aws:")) return;
      const own = (args.props.tags ?? {}) as Record<string, unknown>;
      const inherited = providerDefaultTags(args.provider?.props);
      const missing = DEFAULT_TAG_KEYS.filter(
        (key) => own[key] === undefined && inherited[key] === undefined,
      );
      if (missing.length > 0)
        report(
          `missing tags ${missing.join(", ")}: create it with the stack's AWS provider (infra/index.ts)`,
        );
    },
  ),
];
