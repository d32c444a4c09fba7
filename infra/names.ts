// Every name of the pipeline derives from the stack prefix here, and nowhere else.

export const TABLES = ["pin", "geo", "user"] as const;
export type Table = (typeof TABLES)[number];
export type PerTable<T> = Record<Table, T>;

const PREFIX_PATTERN = /^[a-z0-9][a-z0-9-]{1,18}[a-z0-9]$/;

export function validatePrefix(prefix: string): string {
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new Error(
      `prefix "${prefix}" is invalid: use 3-20 lowercase letters, digits or hyphens, starting and ending with a letter or digit`,
    );
  }
  return prefix;
}

function perTable<T>(make: (table: Table) => T): PerTable<T> {
  return { pin: make("pin"), geo: make("geo"), user: make("user") };
}

/** Kafka topics of the batch path: `{prefix}.pin`, `{prefix}.geo`, `{prefix}.user`. */
export function topicNames(prefix: string): PerTable<string> {
  validatePrefix(prefix);
  return perTable((table) => `${prefix}.${table}`);
}

/** Kinesis streams of the stream path: `{prefix}-pin`, `{prefix}-geo`, `{prefix}-user`. */
export function streamNames(prefix: string): PerTable<string> {
  validatePrefix(prefix);
  return perTable((table) => `${prefix}-${table}`);
}
