/**
 * Child processes of the demo: the local infrastructure (started only when nothing answers) and the
 * services, each a separate `node --import tsx services/<name>/main.ts` (on the run's topics and groups
 * through its environment, `DemoRun.env`) with its log in .data/demo/<name>.log and its state under
 * .data/demo/run-<run>/ (removed when the run ends).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';

export const demoDir = join('.data', 'demo');

/** The state directory of a run. */
export const runStateDir = (tag: string): string => join(demoDir, `run-${tag}`);

/** Removes every state directory under .data/demo (left by earlier or interrupted runs); keeps logs. */
export function wipeDemoState(): void {
  mkdirSync(demoDir, { recursive: true });
  for (const entry of readdirSync(demoDir, { withFileTypes: true })) {
    if (entry.isDirectory()) rmSync(join(demoDir, entry.name), { recursive: true, force: true });
  }
}

/** A TCP port nothing listens on right now (for a service's metrics endpoint). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** Starts Kafka and the registry from infra/ unless they answer (or KAFKA_BROKERS points elsewhere). */
export async function ensureInfra(say: (line: string) => void): Promise<boolean> {
  if (process.env.KAFKA_BROKERS !== undefined) return false;
  if ((await portOpen(9092)) && (await portOpen(8081))) {
    say('Kafka (127.0.0.1:9092) and the schema registry (127.0.0.1:8081) are already running: using them');
    return false;
  }
  say('starting the embedded Kafka and schema registry (infra/up.sh) …');
  const up = spawnSync('bash', ['infra/up.sh'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (up.status !== 0) throw new Error(`infra/up.sh exited with ${up.status}`);
  return true;
}

export function stopInfra(): void {
  spawnSync('bash', ['infra/down.sh'], { stdio: ['ignore', 'inherit', 'inherit'] });
}

export interface ServiceProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly log: string;
}

/**
 * Starts services/<name>/main.ts with `env` added to this process's; its log (overwritten) is
 * .data/demo/<name>.log. It stops when this process goes (BACKTRACK_EXIT_ON_STDIN_EOF: its stdin is
 * a pipe held open by this process).
 */
export function startService(name: string, env: Readonly<Record<string, string>>): ServiceProcess {
  mkdirSync(demoDir, { recursive: true });
  const log = join(demoDir, `${name}.log`);
  const out = createWriteStream(log, { flags: 'w' });
  const child = spawn(process.execPath, ['--import', 'tsx', `services/${name}/main.ts`], {
    env: { ...process.env, ...env, BACKTRACK_EXIT_ON_STDIN_EOF: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  return { name, child, log };
}

/** SIGTERM, then SIGKILL after `graceMs`. */
export async function stopService(p: ServiceProcess, graceMs = 15_000): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => p.child.once('exit', () => resolve()));
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
