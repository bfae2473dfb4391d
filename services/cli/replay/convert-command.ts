/**
 * `backtrack replay convert <input> <output>`: turns a JSON-lines replay input into the Avro replay
 * input format, which `backtrack replay --input` reads several times faster (no JSON parsing, no schema
 * validation). Invalid lines are reported with their line numbers and skipped.
 */
import type { Command } from 'commander';
import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { CliIo } from '../cli-io.ts';
import { convertJsonLinesToAvro } from './avro-input-writer.ts';

/** Invalid lines reported one by one; the rest are counted. */
const MAX_INVALID_REPORTS = 1000;

export function registerReplayConvertCommand(replay: Command, io: CliIo): void {
  replay
    .command('convert')
    .description('Convert a JSON-lines replay input into an Avro replay input (faster to replay)')
    .argument('<input>', 'JSON-lines replay input; - for stdin')
    .argument('<output>', 'Avro object container file to write (replaced if it exists)')
    .addHelpText(
      'after',
      '\nExamples:\n  backtrack replay convert events.jsonl events.avro\n  backtrack replay --input events.avro --output decisions.jsonl\n',
    )
    .action(async (input: string, output: string) => {
      const started = performance.now();
      const name = input === '-' ? 'stdin' : input;
      let shown = 0;
      const r = await convertJsonLinesToAvro(
        input === '-' ? { stream: io.stdin, name } : { path: input },
        output,
        (lineNo, reason) => {
          if (++shown <= MAX_INVALID_REPORTS)
            io.stderr.write(`${name}:${lineNo}: invalid, skipped: ${reason}\n`);
        },
      );
      if (r.invalid > MAX_INVALID_REPORTS)
        io.stderr.write(`${name}: ${r.invalid - MAX_INVALID_REPORTS} more invalid lines not shown\n`);
      const seconds = (performance.now() - started) / 1000;
      io.stderr.write(
        `convert: ${r.records.toLocaleString('en-US')} records from ${r.lines.toLocaleString('en-US')} lines ` +
          `(${r.invalid} invalid, skipped) to ${output}, ${statSync(output).size.toLocaleString('en-US')} bytes, ` +
          `${seconds.toFixed(1)} s\n`,
      );
    });
}
