#!/usr/bin/env node
// The `meanfield` command: run | merge | plot | heatmap | sinkhorn | bench. Every failure is one line on
// standard error, never a stack (MEANFIELD_DEBUG=1 adds it): usage errors (bad flags and values)
// exit 2; input errors (unreadable or malformed files) name the file and line and exit 1, as do
// the library's errors and any other error; an output that cannot be written (missing or
// unwritable directory, locked by another run) exits 3.
import { InputError, MeanfieldError, UsageError } from '../errors.js';
import { OutputError } from './files.js';
import { didYouMean, helpText, parse, type CommandSpec } from './args.js';
import { benchCli, benchCommand, sinkhornCli, sinkhornCommand } from './commands.js';
import { heatmap, heatmapCommand } from './heatmap.js';
import { merge, mergeCommand } from './merge.js';
import { plot, plotCommand } from './plot.js';
import { run } from './run.js';
import { runCommand } from './run-command.js';

const COMMANDS: CommandSpec[] = [runCommand, mergeCommand, plotCommand, heatmapCommand, sinkhornCommand, benchCommand];

const TOP = `meanfield: mean-field particle dynamics on a WebAssembly SIMD core

Usage: meanfield <command> [options]     (meanfield <command> --help for its options)

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(9)} ${c.summary}`).join('\n')}

Exit codes: 0 done; 1 input, library or other error (or some runs failed); 2 bad flags or values;
3 the output cannot be written (missing or read-only directory, locked by another run); 130 interrupted.
`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(TOP);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined)
    throw new UsageError(
      `meanfield: unknown command '${name}'${didYouMean(
        name,
        COMMANDS.map((c) => c.name),
      )} (commands: ${COMMANDS.map((c) => c.name).join(', ')})`,
    );
  const { values, raw, positionals, help } = parse(command, rest);
  if (help) {
    process.stdout.write(helpText(command));
    return 0;
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  switch (command.name) {
    case 'run':
      return run(positionals[0], values, log, raw);
    case 'merge': {
      const r = merge(positionals, values.out as string | undefined, log);
      log(`${r.runs} runs merged into ${values.out}`);
      return 0;
    }
    case 'plot': {
      const r = plot(positionals, values);
      log(`${r.seeds} seeds plotted to ${values.out}${r.groups > 1 ? ` (${r.groups} grid values)` : ''}`);
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

/** One line for any error, and its exit code. */
function report(e: unknown): number {
  const debug = process.env.MEANFIELD_DEBUG === '1' && e instanceof Error ? `\n${e.stack}` : '';
  const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ');
  if (e instanceof UsageError) {
    process.stderr.write(`${oneLine(e.message)}${debug}\n`);
    return 2;
  }
  if (e instanceof OutputError) {
    process.stderr.write(`meanfield: ${oneLine(e.message)}${debug}\n`);
    return 3;
  }
  if (e instanceof InputError || e instanceof MeanfieldError) {
    process.stderr.write(`meanfield: ${e.name}: ${oneLine(e.message)}${debug}\n`);
    return 1;
  }
  const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  process.stderr.write(`meanfield: internal error: ${oneLine(what)} (MEANFIELD_DEBUG=1 shows the stack)${debug}\n`);
  return 1;
}

// Errors thrown outside the main promise (event handlers) are one line too.
process.on('uncaughtException', (e) => {
  process.exitCode = report(e);
  process.exit();
});
process.on('unhandledRejection', (e) => {
  process.exitCode = report(e);
  process.exit();
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.exitCode = report(e);
  },
);
