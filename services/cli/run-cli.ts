/**
 * The `backtrack` program: global settings (connection flags), one registration per command
 * (commands/*.ts), and the mapping of outcomes to exit codes (EXIT_CODES_HELP).
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import type { CliIo } from './cli-io.ts';
import { CliError } from './errors.ts';
import { addClusterFlags } from './io/cluster.ts';
import { registerApprovalCommands } from './commands/approvals.ts';
import { registerAuditCommand } from './commands/audit.ts';
import { registerBundlesCommand } from './commands/bundles.ts';
import { registerDecisionsCommand } from './commands/decisions.ts';
import { registerReplayCommand } from './commands/replay.ts';
import { registerRolloutsCommand } from './commands/rollouts.ts';
import { registerWhoServedCommand } from './commands/who-served.ts';

/** Each command adds itself to the program. */
const COMMANDS: ReadonlyArray<(program: Command, io: CliIo) => void> = [
  registerBundlesCommand,
  registerRolloutsCommand,
  registerDecisionsCommand,
  registerApprovalCommands,
  registerWhoServedCommand,
  registerAuditCommand,
  registerReplayCommand,
];

export const EXIT_CODES_HELP = `
Exit codes:
  0  success (also --help, --version)
  1  failure: Kafka or the registry unreachable, a file unreadable or invalid, a command refused or
     not applied in time (--wait)
  2  usage: unknown command or option, missing or bad argument (usage is printed)
  3  not found: the bundle, rollout, decision or tenant routing asked about does not exist
  4  verification failed: a broken audit hash chain

Connection: --brokers / KAFKA_BROKERS, --registry / SCHEMA_REGISTRY_URL (and the other KAFKA_* keys).
`;

export function buildProgram(io: CliIo): Command {
  const program = new Command('backtrack')
    .description('Automated rollback for multi-tenant AI agent platforms: operator CLI')
    .version(packageVersion())
    .showHelpAfterError()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .addHelpText('after', EXIT_CODES_HELP);
  addClusterFlags(program);
  for (const register of COMMANDS) register(program, io);
  exitOverrideAll(program);
  return program;
}

/** Sub-commands need their own exitOverride/showHelpAfterError so a typo anywhere prints usage and exits 2. */
function exitOverrideAll(command: Command): void {
  command.exitOverride().showHelpAfterError();
  for (const sub of command.commands) exitOverrideAll(sub);
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Runs the CLI on `argv` (without node and script) and returns the exit code; never throws. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof CliError) {
      io.stderr.write(`backtrack: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr.write(
      `backtrack: unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return 1;
  }
}
