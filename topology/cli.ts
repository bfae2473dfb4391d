/**
 * `npm run topology -- apply|plan|diagram`: creates missing topics (and reports differing ones),
 * shows the plan without changing anything, or prints / writes the Mermaid diagram into README.md.
 * apply and plan use the deployment's names (BACKTRACK_APP_ID, BACKTRACK_TOPICS).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { loadConfig } from '../services/core/config.ts';
import { createAdmin, createKafka } from '../services/core/kafka.ts';
import { createLogger } from '../services/core/logger.ts';
import { applyTopology, describeExisting, formatPlan } from './apply.ts';
import { readmeWithDiagram, renderMermaid } from './diagram.ts';
import { planTopology } from './plan.ts';
import { deploymentTopicSpecs } from '../services/core/topic-bindings.ts';
import type { TopicSpec } from './topics.ts';

/** The topics of this deployment: BACKTRACK_APP_ID's changelogs, BACKTRACK_TOPICS' names. */
function deploymentSpecs(): TopicSpec[] {
  const config = loadConfig({ service: 'topology' });
  return deploymentTopicSpecs(config.appId, config.topics);
}

async function withAdmin<T>(fn: (admin: ReturnType<typeof createAdmin>) => Promise<T>): Promise<T> {
  const config = loadConfig({ service: 'topology' });
  const admin = createAdmin(createKafka(config.kafka, createLogger({ service: 'topology', level: 'warn' })));
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

const program = new Command('topology')
  .description('Kafka topics of backtrack')
  .showHelpAfterError()
  .exitOverride();

program
  .command('apply')
  .description('create missing topics; report (never change) topics whose partitions or configs differ')
  .option('--strict', 'exit 3 when an existing topic differs from the registry')
  .action(async (opts: { strict?: boolean }) => {
    const plan = await withAdmin((admin) => applyTopology(admin, deploymentSpecs()));
    console.log(formatPlan(plan));
    if (opts.strict && plan.differences.length > 0) process.exitCode = 3;
  });

program
  .command('plan')
  .description('show what apply would do, change nothing')
  .action(async () => {
    const specs = deploymentSpecs();
    const existing = await withAdmin((admin) =>
      describeExisting(
        admin,
        specs.map((t) => t.name),
      ),
    );
    console.log(formatPlan(planTopology(specs, existing)).replaceAll('created ', 'create  '));
  });

program
  .command('diagram')
  .description('print the Mermaid diagram of the topology')
  .option('--readme', 'write it into README.md between the topology markers')
  .action((opts: { readme?: boolean }) => {
    if (!opts.readme) return void process.stdout.write(renderMermaid());
    writeFileSync('README.md', readmeWithDiagram(readFileSync('README.md', 'utf8')));
  });

try {
  await program.parseAsync();
} catch (err) {
  const code = (err as { exitCode?: number; code?: string }).code;
  if (code === 'commander.helpDisplayed' || code === 'commander.version') process.exit(0);
  if (code?.startsWith('commander.')) process.exit(2);
  console.error(`topology: ${(err as Error).message}`);
  process.exit(1);
}
