/** The exit codes of every `hub` command (docs/deploys.md#exit-codes). */
export const EXIT = {
  /** Done: the hub recorded it. */
  OK: 0,
  /** The hub refused the request (4xx); its message is printed. Retrying the same request will not help. */
  REJECTED: 1,
  /** `hub rules check`: the files checked have errors (each is printed). */
  INVALID: 1,
  /** The command line is wrong: a missing or invalid option, no hub URL. Nothing was sent. */
  USAGE: 2,
  /** The hub could not be reached, or answered 5xx / 429, after the retries. */
  UNAVAILABLE: 3,
  /** An unexpected error: a bug in the command (the stack is printed). */
  INTERNAL: 70,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A problem with the command line, found before anything is sent (exit 2). */
export class UsageError extends Error {}

/** A check found problems and printed them (exit 1); nothing more to say. */
export class CheckFailed extends Error {}

/** A command's own exit code (hub verify: 0 pass, 1 fail, 2 inconclusive, 3 error); already reported. */
export class ExitWith extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}
