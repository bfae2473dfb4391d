/**
 * `backtrack bundles register|list|show`: the version registry (services/registry) from the command line.
 */
import { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import type { Bundle } from '../../../schemas/types.ts';
import { UnavailableError } from '../../core/errors.ts';
import { readBundles } from '../../ops/bundles.ts';
import { BundleRegistry } from '../../registry/service.ts';
import { BundleRefusedError, InvalidBundleError } from '../../registry/registry-errors.ts';
import type { CliIo } from '../cli-io.ts';
import { ClusterError, ContentError, NotFoundError } from '../errors.ts';
import { actorOf, table, withCluster, writeJson } from '../io/cluster-command.ts';
import { readText } from '../io/read-text.ts';
import { iso } from '../io/time-arg.ts';

function readInput(path: string): unknown {
  const text = readText(path);
  try {
    return parseYaml(text) as unknown;
  } catch (err) {
    throw new ContentError(`${path}: not JSON or YAML: ${(err as Error).message}`, { cause: err });
  }
}

function describe(b: Bundle): string {
  return (
    [
      `bundle        ${b.bundleId}`,
      `model         ${b.modelId} (${b.modelVersionHash})`,
      `prompt        ${b.promptTemplateVersion} (${b.promptTemplateHash})`,
      `config        ${b.config}`,
      `tool schema   ${b.toolSchemaVersion}`,
      `state version ${b.stateVersion}`,
      `tiers         ${b.supportedTiers.join(', ')}`,
      `parent        ${b.parentBundleId ?? '-'}`,
      `registered    ${iso(b.registeredAt)} by ${b.registeredBy}`,
    ].join('\n') + '\n'
  );
}

export function registerBundlesCommand(program: Command, io: CliIo): void {
  const bundles = program.command('bundles').description('Register and inspect immutable deployment bundles');
  bundles
    .command('register')
    .description('Register a bundle from a JSON or YAML file (idempotent: the id is the hash of the content)')
    .requiredOption(
      '-f, --file <file>',
      'bundle content: modelId, modelVersionHash, promptTemplateVersion, promptTemplateHash, config, toolSchemaVersion, stateVersion, supportedTiers[, parentBundleId]',
    )
    .option('--actor <name>', 'who registers it (default $BACKTRACK_ACTOR or $USER)')
    .option('--json', 'print {verdict, bundle} as JSON')
    .action(async (opts: { file: string; actor?: string; json?: boolean }, command: Command) => {
      const input = readInput(opts.file);
      await withCluster(command, io, async (cluster) => {
        const registry = new BundleRegistry({ ...cluster, readyTimeoutMs: 15_000 });
        try {
          await registry.start();
          const r = await registry.register(input, actorOf(opts.actor, io));
          if (opts.json) writeJson(io, r);
          else
            io.stdout.write(
              `${r.verdict === 'created' ? 'registered' : 'already registered'}: ${r.bundle.bundleId}\n`,
            );
        } catch (err) {
          if (err instanceof InvalidBundleError || err instanceof BundleRefusedError)
            throw new ContentError(`${opts.file}: ${err.message}`, { cause: err });
          if (err instanceof UnavailableError) throw new ClusterError(err.message, { cause: err });
          throw err;
        } finally {
          await registry.stop().catch(() => undefined);
        }
      });
    });
  bundles
    .command('list')
    .description('List registered bundles, oldest first')
    .option('--json', 'print a JSON array of bundles')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const all = await withCluster(command, io, (cluster) => readBundles(cluster));
      if (opts.json) return writeJson(io, all);
      io.stdout.write(
        table([
          ['BUNDLE', 'MODEL', 'PROMPT', 'TOOLS', 'STATE', 'TIERS', 'REGISTERED'],
          ...all.map((b) => [
            b.bundleId,
            b.modelId,
            b.promptTemplateVersion,
            b.toolSchemaVersion,
            b.stateVersion,
            b.supportedTiers.join(','),
            iso(b.registeredAt),
          ]),
        ]),
      );
    });
  bundles
    .command('show')
    .description('Show one bundle in full')
    .argument('<bundleId>')
    .option('--json', 'print the bundle as JSON')
    .action(async (bundleId: string, opts: { json?: boolean }, command: Command) => {
      const all = await withCluster(command, io, (cluster) => readBundles(cluster));
      const b = all.find((x) => x.bundleId === bundleId);
      if (b === undefined) throw new NotFoundError(`bundle ${bundleId} is not registered`);
      if (opts.json) writeJson(io, b);
      else io.stdout.write(describe(b));
    });
}
