/**
 * The tests the lab has always run, and for each the analytes it reports. The catalog itself (names, prices,
 * which codes are active) is the table `catalog_tests`, seeded with these codes; this list keeps what only
 * the simulation needs: the analytes of each code. Ranges drive the simulated values: `typical` is where most
 * results land, `limit` is the regulatory limit above which a result is flagged "H".
 */
export interface AnalyteDefinition {
  name: string;
  unit: string;
  typical: { min: number; max: number };
  decimals: number;
  /** Results above this are flagged "H" (high). */
  limit?: number;
  /** Results below this are flagged "L" (low). */
  lowLimit?: number;
}

export interface CatalogTest {
  code: string;
  name: string;
  /** The sample matrix the method is validated for; absent when any matrix is accepted. */
  matrix?: string;
  unit: string;
  analytes: AnalyteDefinition[];
}

export const CATALOG: readonly CatalogTest[] = [
  {
    code: 'PH',
    name: 'pH',
    matrix: 'water',
    unit: 'pH',
    analytes: [{ name: 'pH', unit: 'pH', typical: { min: 6.2, max: 8.8 }, decimals: 2, limit: 8.5, lowLimit: 6.5 }],
  },
  {
    code: 'LEAD',
    name: 'Lead (ICP-MS)',
    unit: 'µg/L',
    analytes: [{ name: 'Lead', unit: 'µg/L', typical: { min: 0.2, max: 18 }, decimals: 1, limit: 15 }],
  },
  {
    code: 'COPPER',
    name: 'Copper (ICP-MS)',
    unit: 'mg/L',
    analytes: [{ name: 'Copper', unit: 'mg/L', typical: { min: 0.01, max: 1.5 }, decimals: 3, limit: 1.3 }],
  },
  {
    code: 'ARSENIC',
    name: 'Arsenic (ICP-MS)',
    unit: 'µg/L',
    analytes: [{ name: 'Arsenic', unit: 'µg/L', typical: { min: 0.1, max: 12 }, decimals: 1, limit: 10 }],
  },
  {
    code: 'NITRATE',
    name: 'Nitrate and nitrite (as N)',
    matrix: 'water',
    unit: 'mg/L',
    analytes: [
      { name: 'Nitrate (as N)', unit: 'mg/L', typical: { min: 0.1, max: 11 }, decimals: 2, limit: 10 },
      { name: 'Nitrite (as N)', unit: 'mg/L', typical: { min: 0, max: 1.2 }, decimals: 3, limit: 1 },
    ],
  },
  {
    code: 'E-COLI',
    name: 'E. coli and total coliforms (Colilert)',
    matrix: 'water',
    unit: 'MPN/100 mL',
    analytes: [
      { name: 'E. coli', unit: 'MPN/100 mL', typical: { min: 0, max: 3 }, decimals: 0, limit: 0 },
      { name: 'Total coliforms', unit: 'MPN/100 mL', typical: { min: 0, max: 20 }, decimals: 0, limit: 5 },
    ],
  },
  {
    code: 'TURBIDITY',
    name: 'Turbidity (nephelometric)',
    matrix: 'water',
    unit: 'NTU',
    analytes: [{ name: 'Turbidity', unit: 'NTU', typical: { min: 0.05, max: 1.5 }, decimals: 2, limit: 1 }],
  },
  {
    code: 'HARDNESS',
    name: 'Total hardness',
    matrix: 'water',
    unit: 'mg/L CaCO3',
    analytes: [
      { name: 'Total hardness', unit: 'mg/L CaCO3', typical: { min: 20, max: 320 }, decimals: 0 },
      { name: 'Calcium', unit: 'mg/L', typical: { min: 5, max: 90 }, decimals: 1 },
    ],
  },
  {
    code: 'CHLORINE',
    name: 'Free and total chlorine',
    matrix: 'water',
    unit: 'mg/L',
    analytes: [
      { name: 'Free chlorine', unit: 'mg/L', typical: { min: 0.1, max: 2.5 }, decimals: 2, limit: 4 },
      { name: 'Total chlorine', unit: 'mg/L', typical: { min: 0.2, max: 3 }, decimals: 2, limit: 4 },
    ],
  },
  {
    code: 'FLUORIDE',
    name: 'Fluoride (ion chromatography)',
    matrix: 'water',
    unit: 'mg/L',
    analytes: [{ name: 'Fluoride', unit: 'mg/L', typical: { min: 0.1, max: 2.2 }, decimals: 2, limit: 2 }],
  },
  {
    code: 'PFAS',
    name: 'PFOA and PFOS (LC-MS/MS)',
    matrix: 'water',
    unit: 'ng/L',
    analytes: [
      { name: 'PFOA', unit: 'ng/L', typical: { min: 0, max: 6 }, decimals: 1, limit: 4 },
      { name: 'PFOS', unit: 'ng/L', typical: { min: 0, max: 6 }, decimals: 1, limit: 4 },
    ],
  },
  {
    code: 'TDS',
    name: 'Total dissolved solids',
    unit: 'mg/L',
    analytes: [{ name: 'Total dissolved solids', unit: 'mg/L', typical: { min: 50, max: 600 }, decimals: 0, limit: 500 }],
  },
];

const BY_CODE = new Map(CATALOG.map((test) => [test.code, test]));

export function catalogTest(code: string): CatalogTest | undefined {
  return BY_CODE.get(code);
}

/**
 * What the simulation reports for a catalog entry: the analytes of a code it has always had, else one
 * analyte named like the test, in its unit, so that codes created later (PUT, generate) still get results.
 */
export function simulatedTestFor(entry: { code: string; name: string; matrix: string | null; unit: string }): CatalogTest {
  const known = catalogTest(entry.code);
  if (known) return known;
  return {
    code: entry.code,
    name: entry.name,
    ...(entry.matrix ? { matrix: entry.matrix } : {}),
    unit: entry.unit,
    analytes: [{ name: entry.name, unit: entry.unit, typical: { min: 0, max: 10 }, decimals: 2, limit: 8 }],
  };
}

/**
 * Why the lab would refuse these samples, in its own words: one reason per unknown or retired test code,
 * naming the sample. An empty list means the lab can run everything that was asked. `catalog` answers what
 * the lab knows of a code (an entry without `active` counts as active).
 */
export function catalogRejections(
  samples: readonly { sampleId: string; tests: readonly string[] }[],
  catalog: (code: string) => { active?: boolean } | CatalogTest | undefined = catalogTest,
): string[] {
  const reasons: string[] = [];
  for (const sample of samples) {
    for (const code of sample.tests) {
      const entry = catalog(code);
      if (!entry) reasons.push(`sample ${sample.sampleId}: unknown test code ${JSON.stringify(code)}`);
      else if ('active' in entry && entry.active === false) reasons.push(`sample ${sample.sampleId}: test code ${JSON.stringify(code)} is retired`);
    }
  }
  return reasons;
}
