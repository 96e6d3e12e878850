#!/usr/bin/env node
// The `meanfield` command: run | plot | heatmap | sinkhorn | bench. Usage errors print one line and
// exit 2; input errors (unreadable or malformed files) print the file and line and exit 1.
import { InputError, MeanfieldError, UsageError } from '../errors.js';
import { helpText, parse, type CommandSpec } from './args.js';
import { benchCli, benchCommand, sinkhornCli, sinkhornCommand } from './commands.js';
import { heatmap, heatmapCommand } from './heatmap.js';
import { plot, plotCommand } from './plot.js';
import { run, runCommand } from './run.js';

const COMMANDS: CommandSpec[] = [runCommand, plotCommand, heatmapCommand, sinkhornCommand, benchCommand];

const TOP = `meanfield: mean-field particle dynamics on a WebAssembly SIMD core

Usage: meanfield <command> [options]     (meanfield <command> --help for its options)

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(9)} ${c.summary}`).join('\n')}
`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') { process.stdout.write(TOP); return 0; }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) throw new UsageError(`meanfield: unknown command '${name}' (commands: ${COMMANDS.map((c) => c.name).join(', ')})`);
  const { values, positionals, help } = parse(command, rest);
  if (help) { process.stdout.write(helpText(command)); return 0; }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  switch (command.name) {
    case 'run':
      return run(positionals[0], values, log);
    case 'plot': {
      const r = plot(positionals, values.out as string, values.title as string | undefined);
      log(`${r.seeds} seeds plotted to ${values.out}`);
      return 0;
    }
    case 'heatmap': {
      const r = heatmap(positionals, values);
      log(`${r.runs} runs in ${r.rows} x ${r.cols} cells to ${values.out}`);
      return 0;
    }
    case 'sinkhorn':
      process.stdout.write(await sinkhornCli(positionals, values));
      return 0;
    default:
      process.stdout.write(await benchCli(values));
      return 0;
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    if (e instanceof UsageError) { process.stderr.write(`${e.message}\n`); process.exitCode = 2; return; }
    if (e instanceof InputError || e instanceof MeanfieldError) { process.stderr.write(`meanfield: ${e.name}: ${e.message}\n`); process.exitCode = 1; return; }
    process.stderr.write(`meanfield: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
