// Policy documents of the operations side: who may publish to the alarm topic, what VPC flow logs may write,
// and the key policy of the optional customer-managed KMS key.
import { PolicyDocument, PolicyStatement } from "./iam";

const VERSION = "2012-10-17" as const;

/**
 * The alarm topic's policy: the account manages it; CloudWatch alarms and AWS Budgets of this account publish.
 * Budgets needs the grant: https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html
 */
export function alarmTopicPolicy(topicArn: string, accountId: string): PolicyDocument {
  const fromAccount = { StringEquals: { "aws:SourceAccount": accountId } };
  return {
    Version: VERSION,
    Statement: [
      {
        Sid: "AccountManagesTopic",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: [
          "sns:GetTopicAttributes",
          "sns:SetTopicAttributes",
          "sns:Subscribe",
          "sns:ListSubscriptionsByTopic",
          "sns:Publish",
          "sns:DeleteTopic",
          "sns:AddPermission",
          "sns:RemovePermission",
        ],
        Resource: topicArn,
      },
      {
        Sid: "AlarmsAndBudgetsPublish",
        Effect: "Allow",
        Principal: { Service: ["cloudwatch.amazonaws.com", "budgets.amazonaws.com"] },
        Action: "sns:Publish",
        Resource: topicArn,
        Condition: fromAccount,
      },
    ],
  };
}

/**
 * What the VPC flow log service role writes: streams and events of its own log group.
 * https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html
 */
export function flowLogsPolicy(logGroupArn: string): PolicyDocument {
  return {
    Version: VERSION,
    Statement: [
      {
        Sid: "WriteFlowLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        Resource: [logGroupArn, `${logGroupArn}:*`],
      },
    ],
  };
}

/** The services whose data the customer-managed key encrypts (kms:ViaService values). */
export function keyServices(region: string): string[] {
  return ["s3", "kinesis", "kafka", "ec2", "secretsmanager", "sns"].map(
    (service) => `${service}.${region}.amazonaws.com`,
  );
}

/**
 * Key policy of the customer-managed key. Like the AWS managed keys it replaces, any principal of the account
 * may use it through S3, Kinesis and MSK (so no role policy changes); the account administers it through IAM;
 * CloudWatch Logs encrypts this account's log groups with it.
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
 */
export function customerKeyPolicy(accountId: string, region: string): PolicyDocument {
  const statements: PolicyStatement[] = [
    {
      Sid: "AccountAdministersKeyThroughIam",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${accountId}:root` },
      Action: "kms:*",
      Resource: "*",
    },
    {
      Sid: "AccountUsesKeyThroughDataServices",
      Effect: "Allow",
      Principal: { AWS: "*" },
      Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
      Resource: "*",
      Condition: {
        StringEquals: { "kms:CallerAccount": accountId, "kms:ViaService": keyServices(region) },
      },
    },
    {
      Sid: "AccountServicesCreateGrants",
      Effect: "Allow",
      Principal: { AWS: "*" },
      Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
      Resource: "*",
      Condition: {
        StringEquals: { "kms:CallerAccount": accountId, "kms:ViaService": keyServices(region) },
        Bool: { "kms:GrantIsForAWSResource": true },
      },
    },
    {
      // Publishers to the encrypted alarm topic: CloudWatch alarms and AWS Budgets of this account (the SNS
      // developer guide's "Enable compatibility between event sources from AWS services and encrypted topics").
      Sid: "AlarmPublishersUseKeyForTopic",
      Effect: "Allow",
      Principal: { Service: ["cloudwatch.amazonaws.com", "budgets.amazonaws.com"] },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Resource: "*",
      Condition: { StringEquals: { "aws:SourceAccount": accountId } },
    },
    {
      Sid: "CloudWatchLogsEncryptsAccountLogGroups",
      Effect: "Allow",
      Principal: { Service: `logs.${region}.amazonaws.com` },
      Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
      Resource: "*",
      Condition: {
        ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:${region}:${accountId}:log-group:*` },
      },
    },
  ];
  return { Version: VERSION, Statement: statements };
}
