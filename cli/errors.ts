// The one error convention of the project's command lines (emulator, local mode; the jobs follow the same codes):
// a usage error exits 2, a failure the user can act on exits 1, an interrupted run 130, each with one line.

export const EXIT = { ok: 0, failure: 1, usage: 2, partialDelivery: 3, interrupted: 130 } as const;

/** Bad flags or arguments: the command did nothing. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The command could not do its work (an unreachable service, missing tables, a refused send). */
export class RuntimeFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RuntimeFailure";
  }
}

export function exitCodeOf(error: unknown): number {
  return error instanceof UsageError ? EXIT.usage : EXIT.failure;
}

/** The one line printed for an error; an error of neither kind is a bug, said so. */
export function errorLine(program: string, error: unknown): string {
  const message = (error as Error)?.message ?? String(error);
  const known = error instanceof UsageError || error instanceof RuntimeFailure;
  return `${program}: ${known ? message : `unexpected error: ${message}`}`.split("\n")[0];
}

/** Runs a command's main and sets the exit code; an error becomes one line on stderr. */
export function runCli(program: string, main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(errorLine(program, error) + "\n");
      process.exitCode = exitCodeOf(error);
    },
  );
}
