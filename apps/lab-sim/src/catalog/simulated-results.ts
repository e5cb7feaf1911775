import { createHash } from 'node:crypto';
import type { Analyte, ResultStatus } from '@labsync/contracts';
import type { AnalyteDefinition, CatalogTest } from './catalog';

/** A number in [0, 1) derived from a string: the same seed always gives the same value. */
export function unitFromSeed(seed: string): number {
  return createHash('sha256').update(seed).digest().readUInt32BE(0) / 0x1_0000_0000;
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

export function flagFor(definition: AnalyteDefinition, value: number): string | undefined {
  if (definition.limit !== undefined && value > definition.limit) return 'H';
  if (definition.lowLimit !== undefined && value < definition.lowLimit) return 'L';
  return undefined;
}

/**
 * Plausible values for one test on one sample. The final value is derived from `seed` (lab order, sample and
 * test), so the preliminary result of the same test is the final value give or take 5 %, as an analyst's
 * first read would be. Values are skewed towards the low end of the typical range, so most samples pass and
 * a few are flagged.
 */
export function simulatedAnalytes(test: CatalogTest, seed: string, stage: Exclude<ResultStatus, 'corrected'>): Analyte[] {
  return test.analytes.map((definition) => {
    const r = unitFromSeed(`${seed}:${definition.name}`);
    const { min, max } = definition.typical;
    let value = min + (max - min) * r * r;
    if (stage === 'preliminary') value *= 1 + (unitFromSeed(`${seed}:${definition.name}:preliminary`) - 0.5) * 0.1;
    value = Math.max(0, round(value, definition.decimals));
    const flag = flagFor(definition, value);
    return { name: definition.name, value, unit: definition.unit, ...(flag ? { flag } : {}) };
  });
}
