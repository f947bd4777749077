// Types for the test that exercises the rule (test/unit/lint-layers.test.ts).
import type { ESLint } from 'eslint';

export const LAYERS: Record<string, string[]>;
export const KNOWN_BACK_EDGES: Set<string>;
export function layerOf(fileFromSrc: string): string | undefined;
declare const plugin: ESLint.Plugin;
export default plugin;
