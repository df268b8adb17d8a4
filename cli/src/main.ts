import { Command, CommanderError } from 'commander';
import { HubRejected, HubUnavailable } from './client.ts';
import { registerDeployCommand } from './commands/deploy.ts';
import { registerRulesCommand } from './commands/rules.ts';
import { registerVerifyCommand, VERIFY_EXIT, type VerifyRuntime } from './commands/verify.ts';
import { CLI_VERSION, type Env } from './connection.ts';
import { CheckFailed, EXIT, ExitWith, UsageError } from './exit-codes.ts';
import { processOutput, type Output } from './output.ts';

/** The `hub` program: one subcommand per file in commands/. */
export function buildProgram(env: Env, out: Output, runtime?: VerifyRuntime): Command {
  const program = new Command('hub')
    .description('The observability hub from the command line.')
    .version(CLI_VERSION)
    // Program options only before the subcommand: `hub deploy --version 1.2.3` is the deploy's version.
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.stdout(s), writeErr: (s) => out.stderr(s) })
    .showHelpAfterError('(add --help for usage)');
  registerDeployCommand(program, env, out);
  registerRulesCommand(program, out, env);
  registerVerifyCommand(program, env, out, runtime);
  return program;
}

/** Runs `hub <argv>` and returns the exit code (never exits the process itself). */
export async function main(
  argv: string[],
  env: Env,
  out: Output = processOutput,
  runtime?: VerifyRuntime,
): Promise<number> {
  const program = buildProgram(env, out, runtime);
  // hub verify keeps 0-3 for its verdicts (2 is inconclusive): its usage errors are errors (3).
  const verifying = argv[0] === 'verify';
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.OK;
  } catch (err) {
    if (err instanceof ExitWith) return err.code;
    if (verifying && (err instanceof CommanderError || err instanceof UsageError)) {
      if (err instanceof UsageError) out.stderr(`hub: ${err.message}\n`);
      return err instanceof CommanderError && err.exitCode === 0 ? EXIT.OK : VERIFY_EXIT.ERROR;
    }
    // Commander has already printed its message (unknown option, missing --service, …); help and version exit 0.
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    if (err instanceof CheckFailed) return EXIT.INVALID;
    if (err instanceof UsageError) {
      out.stderr(`hub: ${err.message}\n`);
      return EXIT.USAGE;
    }
    if (err instanceof HubRejected) {
      out.stderr(
        `hub: rejected by the hub (${err.status}${err.code ? ` ${err.code}` : ''}): ${err.message}\n`,
      );
      return EXIT.REJECTED;
    }
    if (err instanceof HubUnavailable) {
      out.stderr(`hub: ${err.message}\n`);
      return EXIT.UNAVAILABLE;
    }
    out.stderr(`hub: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
    return EXIT.INTERNAL;
  }
}
