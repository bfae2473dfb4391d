/** Entry point of `backtrack` (bin/backtrack.js): binds the process streams and sets the exit code. */
import { processIo } from './cli-io.ts';
import { runCli } from './run-cli.ts';

// A closed pipe (`backtrack replay … | head`) ends the output; it is not a failure.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(process.exitCode ?? 0);
});

process.exitCode = await runCli(process.argv.slice(2), processIo());
