/**
 * The `backtrack` program: global settings, one registration per command (commands/*.ts), and the
 * mapping of outcomes to exit codes: 0 success, help or version; 2 usage error (usage is printed; also a
 * bare `backtrack`); 1 runtime failure.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import type { CliIo } from './cli-io.ts';
import { CliError } from './errors.ts';
import { registerReplayCommand } from './commands/replay.ts';

/** Each command adds itself to the program; new commands (bundles, rollouts, approve…) add a line here. */
const COMMANDS: ReadonlyArray<(program: Command, io: CliIo) => void> = [registerReplayCommand];

export function buildProgram(io: CliIo): Command {
  const program = new Command('backtrack')
    .description('Automated rollback for multi-tenant AI agent platforms')
    .version(packageVersion())
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  for (const register of COMMANDS) register(program, io);
  return program;
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
