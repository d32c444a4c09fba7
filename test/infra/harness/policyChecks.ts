// Running the CrossGuard rules in tests: one rule on one made-up resource or stack, or a set of rules on a whole
// recorded run. The reportViolation callback is a spy that collects the messages.
import {
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { hardeningPolicies } from "../../../infra/policy/hardening";
import { policies } from "../../../infra/policy/policies";
import { securityPolicies } from "../../../infra/policy/security";
import { PROJECT } from "../../../infra/names";
import { asPolicyResources } from "./fixtures";
import { StackRun } from "./stackRun";

type Policy = (typeof policies)[number];

function policyNamed(name: string): Policy {
  const found = [...policies, ...hardeningPolicies, ...securityPolicies].find(
    (candidate) => candidate.name === name,
  );
  if (!found) throw new Error(`no policy ${name}`);
  return found;
}

export interface ResourceCase {
  stack?: string;
  type: string;
  props: Record<string, unknown>;
  protect?: boolean;
  parent?: string;
  providerProps?: Record<string, unknown>;
}

/** Violations one resource (or one of `type` with `props`) gets from the resource rule `name`. */
export function resourceViolations(name: string, resource: ResourceCase): string[];
export function resourceViolations(
  name: string,
  type: string,
  props: Record<string, unknown>,
  stack?: string,
): string[];
export function resourceViolations(
  name: string,
  resourceOrType: ResourceCase | string,
  props: Record<string, unknown> = {},
  stackName?: string,
): string[] {
  const resource: ResourceCase =
    typeof resourceOrType === "string" ? { type: resourceOrType, props, stack: stackName } : resourceOrType;
  const reported: string[] = [];
  const stack = resource.stack ?? "dev";
  const args = {
    type: resource.type,
    props: resource.props,
    urn: `urn:pulumi:${stack}::${PROJECT}::${resource.type}::r`,
    name: "r",
    opts: { protect: resource.protect ?? false, parent: resource.parent },
    provider: resource.providerProps
      ? { type: "pulumi:providers:aws", props: resource.providerProps, urn: "p", name: "p" }
      : undefined,
  } as unknown as ResourceValidationArgs;
  for (const check of [(policyNamed(name) as ResourceValidationPolicy).validateResource ?? []].flat())
    void check(args, (message: string) => reported.push(message));
  return reported;
}

/** A made-up resource of `stack`; `dependsOn` names the resources its properties refer to (bucket, vpcId). */
export function fakeResource(
  type: string,
  name: string,
  props: Record<string, unknown>,
  dependsOn: Record<string, PolicyResource | PolicyResource[]> = {},
  stack = "dev",
): PolicyResource {
  const propertyDependencies = Object.fromEntries(
    Object.entries(dependsOn).map(([property, on]) => [property, [on].flat()]),
  );
  return {
    type,
    name,
    props,
    urn: `urn:pulumi:${stack}::${PROJECT}::${type}::${name}`,
    dependencies: Object.values(propertyDependencies).flat(),
    propertyDependencies,
  } as unknown as PolicyResource;
}

/** Violations the stack rule `name` reports on these resources. */
export function stackViolations(name: string, resources: PolicyResource[]): string[] {
  const reported: string[] = [];
  void (policyNamed(name) as StackValidationPolicy).validateStack(
    { resources } as unknown as StackValidationArgs,
    (message: string) => reported.push(message),
  );
  return reported;
}

/** Every violation `rules` report on a recorded run, each as "rule: [resource: ]message". */
export async function runViolations(run: StackRun, rules: readonly Policy[]): Promise<string[]> {
  const { resources, args } = asPolicyResources(run);
  const violations: string[] = [];
  for (const policy of rules) {
    const report = (message: string) => violations.push(`${policy.name}: ${message}`);
    if ("validateStack" in policy) {
      await (policy as StackValidationPolicy).validateStack(
        { resources } as unknown as StackValidationArgs,
        report,
      );
    } else {
      for (const resource of args)
        for (const check of [(policy as ResourceValidationPolicy).validateResource ?? []].flat())
          await check(resource, (message: string) => report(`${resource.name}: ${message}`));
    }
  }
  return violations;
}
