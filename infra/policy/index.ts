// CrossGuard pack of the pipeline's security rules: `pulumi preview|up --policy-pack infra/policy`.
import { PolicyPack } from "@pulumi/policy";
import { hardeningPolicies } from "./hardening";
import { policies } from "./policies";
import { securityPolicies } from "./security";

new PolicyPack("pinterest-pipeline-security", {
  policies: [...policies, ...hardeningPolicies, ...securityPolicies],
});
