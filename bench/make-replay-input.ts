/**
 * Writes a replay input of N records (default 1 000 000) for bench/replay-throughput.ts: the standard
 * fleet with 2.6× traffic over 4 h, a 25 % canary and an enterprise latency step, from the seeded
 * scenario generator. Writes the same records twice, as JSON lines (`--out`) and as an Avro replay
 * input (`--avro-out`, default: `--out` with .avro for .jsonl). Output under bench/out/ (git-ignored).
 *
 *   npx tsx bench/make-replay-input.ts [--records 1000000] [--out bench/out/replay-input.jsonl] [--avro-out f.avro]
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { openAvroInputWriter } from '../services/cli/replay/avro-input-writer.ts';
import { generateScenario, toJsonLine } from '../test/scenarios/generator.ts';
import { baseScenario, HOUR, MINUTE, type ScenarioSpec } from '../test/scenarios/scenario-spec.ts';

export const DEFAULT_INPUT = 'bench/out/replay-input.jsonl';

export function benchScenario(): ScenarioSpec {
  const spec = baseScenario('bench', 2025);
  spec.durationMs = 4 * HOUR;
  spec.tenants = spec.tenants.map((t) => ({ ...t, ratePerMin: t.ratePerMin * 2.6 }));
  spec.duplicateRate = 0.005;
  spec.late = { rate: 0.005, minDelayMs: 5_000, maxDelayMs: 5 * MINUTE };
  spec.effects = [
    {
      name: 'enterprise +60%',
      onsetMs: 2 * HOUR,
      target: { tiers: ['enterprise'] },
      change: { latencyFactor: 1.6 },
    },
  ];
  return spec;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      records: { type: 'string', default: '1000000' },
      out: { type: 'string', default: DEFAULT_INPUT },
      'avro-out': { type: 'string' },
    },
  });
  const avroPath = values['avro-out'] ?? values.out.replace(/\.jsonl$/, '') + '.avro';
  const limit = Number(values.records);
  mkdirSync(dirname(values.out), { recursive: true });
  const out = createWriteStream(values.out);
  const avroOut = openAvroInputWriter(avroPath);
  let written = 0;
  let chunk: string[] = [];
  for (const record of generateScenario(benchScenario())) {
    chunk.push(toJsonLine(record));
    avroOut.write(record);
    if (++written >= limit) break;
    if (chunk.length === 10_000) {
      if (!out.write(chunk.join('\n') + '\n')) await once(out, 'drain');
      await avroOut.drained();
      chunk = [];
    }
  }
  if (chunk.length > 0) out.write(chunk.join('\n') + '\n');
  out.end();
  await Promise.all([once(out, 'finish'), avroOut.close()]);
  process.stderr.write(`wrote ${written} records to ${values.out} and ${avroPath}\n`);
}

await main();
