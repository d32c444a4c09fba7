// The tags every AWS resource of a stack carries, set once as the AWS provider's default tags.

export const DEFAULT_TAG_KEYS = ["stack", "prefix", "owner"] as const;

export type DefaultTags = Record<(typeof DEFAULT_TAG_KEYS)[number], string>;

export function stackTags(input: DefaultTags): DefaultTags {
  return { stack: input.stack, prefix: input.prefix, owner: input.owner };
}
