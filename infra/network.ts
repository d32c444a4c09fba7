// Network: a VPC over several availability zones, private subnets for the pipeline's servers, public subnets
// with NAT for their egress, and one security group per peer opening only what that peer needs; S3 traffic
// through a gateway endpoint (not the NAT), VPC flow logs, and the default security group without rules.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { serviceTrustPolicy } from "./iam";
import { flowLogsPolicy } from "./operationsIam";
import { REST_PROXY_PORT } from "./restProxyUserData";

export const MSK_IAM_PORT = 9098;

export interface NetworkArgs {
  region: string;
  accountId: pulumi.Input<string>;
  vpcCidr: string;
  azCount: number;
  natGatewayPerAz: boolean;
}

/** Subnet blocks of a 10.N.0.0/16 VPC: /20 each, public from the bottom, private from the middle. */
export function subnetCidrs(
  vpcCidr: string,
  azCount: number,
): { publicCidrs: string[]; privateCidrs: string[] } {
  const match = /^10\.([0-9]+)\.0\.0\/16$/.exec(vpcCidr);
  if (!match) throw new Error(`VPC CIDR "${vpcCidr}" must be a 10.N.0.0/16 block`);
  const block = (index: number) => `10.${match[1]}.${index * 16}.0/20`;
  const zones = [...Array(azCount).keys()];
  return {
    publicCidrs: zones.map((zone) => block(zone)),
    privateCidrs: zones.map((zone) => block(zone + 8)),
  };
}

const ALL_EGRESS = [
  { protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "egress through NAT" },
];

export class Network extends pulumi.ComponentResource {
  readonly vpc: aws.ec2.Vpc;
  readonly privateSubnetIds: pulumi.Output<string>[];
  readonly publicSubnetIds: pulumi.Output<string>[];
  readonly restProxySecurityGroup: aws.ec2.SecurityGroup;
  /** The internal NLB in front of the REST proxy; the proxy admits this group only. */
  readonly restProxyLoadBalancerSecurityGroup: aws.ec2.SecurityGroup;
  readonly connectSecurityGroup: aws.ec2.SecurityGroup;
  readonly mskSecurityGroup: aws.ec2.SecurityGroup;
  readonly mwaaSecurityGroup: aws.ec2.SecurityGroup;
  /**
   * The NAT gateways, the private route tables and their subnet associations: what a server in a private
   * subnet needs before it can reach the internet (MWAA, the REST proxy's first boot, MSK Connect).
   */
  readonly egressReady: pulumi.Resource[];

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pinterest:pipeline:Network", name, {}, opts);
    const parent = { parent: this };
    const zones = aws.getAvailabilityZonesOutput({ state: "available" }, parent);
    const { publicCidrs, privateCidrs } = subnetCidrs(args.vpcCidr, args.azCount);

    this.vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: args.vpcCidr,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        tags: { Name: `${name}-vpc` },
      },
      parent,
    );
    const internetGateway = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: this.vpc.id }, parent);
    const publicRoutes = new aws.ec2.RouteTable(
      `${name}-public`,
      { vpcId: this.vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: internetGateway.id }] },
      parent,
    );

    const publicSubnets = publicCidrs.map((cidrBlock, zone) => {
      const subnet = new aws.ec2.Subnet(
        `${name}-public-${zone}`,
        {
          vpcId: this.vpc.id,
          cidrBlock,
          availabilityZone: zones.names[zone],
          tags: { Name: `${name}-public-${zone}` },
        },
        parent,
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-public-${zone}`,
        { subnetId: subnet.id, routeTableId: publicRoutes.id },
        parent,
      );
      return subnet;
    });

    const natCount = args.natGatewayPerAz ? args.azCount : 1;
    const natGateways = publicSubnets.slice(0, natCount).map((subnet, zone) => {
      const address = new aws.ec2.Eip(`${name}-nat-${zone}`, { domain: "vpc" }, parent);
      return new aws.ec2.NatGateway(
        `${name}-nat-${zone}`,
        { subnetId: subnet.id, allocationId: address.id, tags: { Name: `${name}-nat-${zone}` } },
        { parent: this, dependsOn: [internetGateway] },
      );
    });

    const privateRouteTables: aws.ec2.RouteTable[] = [];
    const privateAssociations: aws.ec2.RouteTableAssociation[] = [];
    const privateSubnets = privateCidrs.map((cidrBlock, zone) => {
      const subnet = new aws.ec2.Subnet(
        `${name}-private-${zone}`,
        {
          vpcId: this.vpc.id,
          cidrBlock,
          availabilityZone: zones.names[zone],
          tags: { Name: `${name}-private-${zone}` },
        },
        parent,
      );
      const routes = new aws.ec2.RouteTable(
        `${name}-private-${zone}`,
        {
          vpcId: this.vpc.id,
          routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: natGateways[zone % natCount].id }],
        },
        parent,
      );
      privateRouteTables.push(routes);
      privateAssociations.push(
        new aws.ec2.RouteTableAssociation(
          `${name}-private-${zone}`,
          { subnetId: subnet.id, routeTableId: routes.id },
          parent,
        ),
      );
      return subnet;
    });
    // S3 (the data and DAG buckets, the connector plugin) goes through the gateway endpoint, free of NAT charges.
    new aws.ec2.VpcEndpoint(
      `${name}-s3`,
      {
        vpcId: this.vpc.id,
        serviceName: `com.amazonaws.${args.region}.s3`,
        vpcEndpointType: "Gateway",
        routeTableIds: privateRouteTables.map((table) => table.id),
        tags: { Name: `${name}-s3` },
      },
      parent,
    );

    // Flow logs of every interface, to a log group (retention and key: infra/hardening.ts).
    const flowLogs = new aws.cloudwatch.LogGroup(
      `${name}-flow-logs`,
      { name: `/pinterest/${name}/vpc-flow-logs` },
      parent,
    );
    const flowLogsRole = new aws.iam.Role(
      `${name}-flow-logs`,
      {
        // The trust condition of the VPC user guide's "IAM role for publishing flow logs to CloudWatch Logs":
        // the flow log's owner and an ARN of this account's flow logs.
        assumeRolePolicy: pulumi.output(args.accountId).apply((account) =>
          JSON.stringify(
            serviceTrustPolicy(["vpc-flow-logs.amazonaws.com"], {
              account,
              arnLike: `arn:aws:ec2:${args.region}:${account}:vpc-flow-log/*`,
            }),
          ),
        ),
      },
      parent,
    );
    const flowLogsWrite = new aws.iam.RolePolicy(
      `${name}-flow-logs`,
      { role: flowLogsRole.id, policy: flowLogs.arn.apply((arn) => JSON.stringify(flowLogsPolicy(arn))) },
      parent,
    );
    new aws.ec2.FlowLog(
      `${name}-flow-logs`,
      {
        vpcId: this.vpc.id,
        trafficType: "ALL",
        logDestinationType: "cloud-watch-logs",
        logDestination: flowLogs.arn,
        iamRoleArn: flowLogsRole.arn,
        maxAggregationInterval: 600,
      },
      { parent: this, dependsOn: [flowLogsWrite] },
    );

    // Adopting the VPC's default security group without rules removes AWS's allow-all rules from it.
    new aws.ec2.DefaultSecurityGroup(
      `${name}-default-sg`,
      { vpcId: this.vpc.id, tags: { Name: `${name}-default-closed` } },
      parent,
    );

    this.egressReady = [...natGateways, ...privateRouteTables, ...privateAssociations];
    this.publicSubnetIds = publicSubnets.map((subnet) => subnet.id);
    this.privateSubnetIds = privateSubnets.map((subnet) => subnet.id);

    // No ingress rule: API Gateway's VPC link reaches the NLB through PrivateLink, which the NLB lets past its
    // inbound rules (enforceSecurityGroupInboundRulesOnPrivateLinkTraffic "off", infra/ingestApi.ts), so nothing
    // else in the VPC can open a connection to it.
    this.restProxyLoadBalancerSecurityGroup = new aws.ec2.SecurityGroup(
      `${name}-rest-proxy-nlb`,
      {
        vpcId: this.vpc.id,
        description: "Internal NLB of the REST proxy: API Gateway's VPC link only",
        egress: [
          {
            protocol: "tcp",
            fromPort: REST_PROXY_PORT,
            toPort: REST_PROXY_PORT,
            cidrBlocks: [args.vpcCidr],
            description: "to the REST proxy and its health check",
          },
        ],
      },
      parent,
    );
    // The NLB's group, not the VPC CIDR: nothing else in the VPC (MWAA workers, Connect workers) can reach the
    // proxy around API Gateway (Elastic Load Balancing guide, "Update the security groups for your Network Load
    // Balancer": targets that reference the NLB's group accept traffic only through it).
    this.restProxySecurityGroup = new aws.ec2.SecurityGroup(
      `${name}-rest-proxy`,
      {
        vpcId: this.vpc.id,
        description: "Kafka REST proxy: HTTP from its internal NLB only",
        ingress: [
          {
            protocol: "tcp",
            fromPort: REST_PROXY_PORT,
            toPort: REST_PROXY_PORT,
            securityGroups: [this.restProxyLoadBalancerSecurityGroup.id],
            description: "REST proxy and health check from the NLB",
          },
        ],
        egress: ALL_EGRESS,
      },
      parent,
    );
    this.connectSecurityGroup = new aws.ec2.SecurityGroup(
      `${name}-connect`,
      { vpcId: this.vpc.id, description: "MSK Connect workers: no ingress", egress: ALL_EGRESS },
      parent,
    );
    this.mskSecurityGroup = new aws.ec2.SecurityGroup(
      `${name}-msk`,
      {
        vpcId: this.vpc.id,
        description: "MSK brokers: IAM auth port from the REST proxy and MSK Connect only",
        ingress: [
          {
            protocol: "tcp",
            fromPort: MSK_IAM_PORT,
            toPort: MSK_IAM_PORT,
            securityGroups: [this.restProxySecurityGroup.id, this.connectSecurityGroup.id],
            description: "Kafka with IAM auth",
          },
        ],
        egress: [
          {
            protocol: "-1",
            fromPort: 0,
            toPort: 0,
            cidrBlocks: [args.vpcCidr],
            description: "within the VPC",
          },
        ],
      },
      parent,
    );
    this.mwaaSecurityGroup = new aws.ec2.SecurityGroup(
      `${name}-mwaa`,
      {
        vpcId: this.vpc.id,
        description: "MWAA: its own components talk to each other",
        ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, self: true, description: "MWAA components" }],
        egress: ALL_EGRESS,
      },
      parent,
    );

    this.registerOutputs({
      vpcId: this.vpc.id,
      privateSubnetIds: this.privateSubnetIds,
      publicSubnetIds: this.publicSubnetIds,
    });
  }
}
