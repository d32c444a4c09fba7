// The program on the dev and the prod stack (mocks, one shared run per stack): network.
import { expect } from "chai";
import { EXPECTED } from "./expected";
import { Json, Resources, STACKS, useStackRun } from "../harness/fixtures";

for (const stack of STACKS)
  describe(`the program on the ${stack} stack (mocks)`, () => {
    const expected = EXPECTED[stack];
    let r: Resources;
    useStackRun(stack, (loaded) => ({ r } = loaded));

    describe("network", () => {
      it("spans the zones with public and private subnets, and NAT for egress", () => {
        const subnets = r.all("aws:ec2/subnet:Subnet");
        expect(subnets).to.have.length(2 * expected.azCount);
        const privateSubnets = subnets.filter((subnet) => subnet.name.includes("-private-"));
        expect(new Set(privateSubnets.map((subnet) => subnet.inputs.availabilityZone)).size).to.equal(
          expected.azCount,
        );
        expect(r.all("aws:ec2/natGateway:NatGateway")).to.have.length(expected.natGateways);
        for (const table of r
          .all("aws:ec2/routeTable:RouteTable")
          .filter((t) => t.name.includes("-private-"))) {
          expect((table.inputs.routes as Json[])[0].natGatewayId).to.be.a("string");
        }
      });

      it("the REST proxy admits its NLB's security group only, and the NLB no one but the VPC link", () => {
        const proxy = r.one("aws:ec2/securityGroup:SecurityGroup", "-network-rest-proxy");
        const nlbGroup = r.one("aws:ec2/securityGroup:SecurityGroup", "-network-rest-proxy-nlb");
        const ingress = proxy.inputs.ingress as Json[];
        expect(ingress).to.have.length(1);
        expect(ingress[0]).to.include({ fromPort: 8082, toPort: 8082, protocol: "tcp" });
        expect(ingress[0].securityGroups).to.deep.equal([nlbGroup.id]);
        expect(ingress[0].cidrBlocks).to.equal(undefined);
        expect(nlbGroup.inputs.ingress ?? []).to.deep.equal([]);
        const nlb = r.one("aws:lb/loadBalancer:LoadBalancer");
        expect(nlb.inputs.securityGroups).to.deep.equal([nlbGroup.id]);
        // PrivateLink (API Gateway's VPC link) is not held to the group's (empty) inbound rules.
        expect(nlb.inputs.enforceSecurityGroupInboundRulesOnPrivateLinkTraffic).to.equal("off");
        const health = r.one("aws:lb/targetGroup:TargetGroup").inputs.healthCheck as Json;
        expect(health).to.include({ protocol: "HTTP", port: "8082", path: "/v3/clusters" });
      });

      it("opens MSK's IAM port 9098 to the REST proxy and MSK Connect only, and nothing to the internet", () => {
        const msk = r.one("aws:ec2/securityGroup:SecurityGroup", "-network-msk");
        const ingress = msk.inputs.ingress as Json[];
        expect(ingress).to.have.length(1);
        expect(ingress[0]).to.include({ fromPort: 9098, toPort: 9098, protocol: "tcp" });
        expect((ingress[0].securityGroups as string[]).sort()).to.deep.equal(
          [
            r.one("aws:ec2/securityGroup:SecurityGroup", "-network-rest-proxy").id,
            r.one("aws:ec2/securityGroup:SecurityGroup", "-network-connect").id,
          ].sort(),
        );
        expect(ingress[0].cidrBlocks).to.equal(undefined);
        for (const group of r.all("aws:ec2/securityGroup:SecurityGroup")) {
          for (const rule of (group.inputs.ingress as Json[] | undefined) ?? [])
            expect(rule.cidrBlocks ?? [], group.name).not.to.include("0.0.0.0/0");
        }
      });
    });
  });
