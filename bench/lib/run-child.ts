/**
 * Runs one benchmark script in its own node process and returns its `BENCH_RESULT` JSON; a failed run
 * is retried once (the tree is shared and edited while benchmarks run: a half-saved module fails one).
 */
import { spawn } from 'node:child_process';

export async function runBench(
  script: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<Record<string, unknown>> {
  try {
    return await runOnce(script, args, timeoutMs);
  } catch (error) {
    process.stderr.write(`  [${script}] ${(error as Error).message}; retrying once\n`);
    return runOnce(script, args, timeoutMs);
  }
}

async function runOnce(
  script: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<Record<string, unknown>> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1' },
  });
  let stdout = '';
  let stderrTail = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderrTail = (stderrTail + d.toString()).slice(-2_000);
    for (const line of d.toString().split('\n'))
      if (line !== '' && !line.startsWith('{"level') && !line.startsWith('TMP '))
        process.stderr.write(`  [${script.replace(/^bench\//, '')}] ${line}\n`);
  });
  const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  const line = stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (line !== undefined) return JSON.parse(line.slice('BENCH_RESULT '.length)) as Record<string, unknown>;
  const plain = stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .at(-1);
  if (plain !== undefined) return JSON.parse(plain) as Record<string, unknown>;
  const why = stderrTail
    .split('\n')
    .filter((l) => /Error|error:/.test(l))
    .slice(0, 2)
    .join(' / ');
  throw new Error(`${script} ${args.join(' ')}: exit ${code}, no result${why ? `: ${why}` : ''}`);
}
