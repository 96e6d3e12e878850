// Types of scripts/readme-figures.mjs, for the tests that import it.
export interface Sizes {
  wasmBytes: number;
  distBytes: number;
  tarballBytes: number;
}
export function figureFiles(root?: string): string[];
export function measureSizes(root?: string): Sizes;
export function readSummary(root?: string): Record<string, unknown>;
export function readNodeEngines(root?: string): string;
export function figureValues(sizes: Sizes, summary: Record<string, unknown>, nodeEngines?: string): Record<string, string>;
export function fillFigures(text: string, values: Record<string, string>, file?: string): string;
export function figureMarkers(text: string): { name: string; content: string }[];
export function staleFigures(root: string, values: Record<string, string>): { file: string; figures: string[] }[];
export function writeFigures(root?: string): Record<string, string>;
