/** A problem the user can fix (bad flag, unreachable service, ...): printed as one line, exit code 1, no stack. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UserError";
  }
}
