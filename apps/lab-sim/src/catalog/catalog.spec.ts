import { AnalyteSchema } from '@labsync/contracts';
import { CATALOG, catalogRejections, catalogTest, simulatedTestFor } from './catalog';
import { flagFor, simulatedAnalytes } from './simulated-results';

describe('catalog', () => {
  it('lists the codes partners order, each with one or two analytes and a unit', () => {
    const codes = CATALOG.map((t) => t.code);
    expect(codes).toEqual(expect.arrayContaining(['PH', 'LEAD', 'NITRATE', 'E-COLI', 'TURBIDITY', 'COPPER']));
    expect(codes.length).toBeGreaterThanOrEqual(10);
    expect(new Set(codes).size).toBe(codes.length);
    for (const test of CATALOG) {
      expect(test.code).toMatch(/^[A-Z0-9][A-Z0-9_-]{0,31}$/);
      expect(test.analytes.length).toBeGreaterThanOrEqual(1);
      expect(test.analytes.length).toBeLessThanOrEqual(2);
      expect(test.unit).not.toBe('');
    }
  });

  it('accepts samples whose codes are all known', () => {
    expect(catalogRejections([{ sampleId: 'S-1', tests: ['PH', 'LEAD'] }, { sampleId: 'S-2', tests: ['E-COLI'] }])).toEqual([]);
  });

  it('gives one reason per unknown code, naming the sample', () => {
    expect(
      catalogRejections([
        { sampleId: 'S-1', tests: ['PH', 'FOO'] },
        { sampleId: 'S-2', tests: ['BAR', 'LEAD', 'ph'] },
      ]),
    ).toEqual(['sample S-1: unknown test code "FOO"', 'sample S-2: unknown test code "BAR"', 'sample S-2: unknown test code "ph"']);
  });

  it('refuses a retired code with its own reason, when the catalog says so', () => {
    const table = new Map([['PH', { active: true }], ['LEAD', { active: false }]]);
    expect(catalogRejections([{ sampleId: 'S-1', tests: ['PH', 'LEAD', 'FOO'] }], (code) => table.get(code))).toEqual([
      'sample S-1: test code "LEAD" is retired',
      'sample S-1: unknown test code "FOO"',
    ]);
  });
});

describe('simulated results', () => {
  const lead = catalogTest('LEAD')!;

  it('gives the same final value for the same order, sample and test', () => {
    expect(simulatedAnalytes(lead, 'LO-1:S-1:LEAD', 'final')).toEqual(simulatedAnalytes(lead, 'LO-1:S-1:LEAD', 'final'));
  });

  it('keeps the preliminary value within 5 % of the final one (give or take rounding)', () => {
    for (let i = 0; i < 50; i++) {
      const seed = `LO-${i}:S-1:LEAD`;
      const [preliminary] = simulatedAnalytes(lead, seed, 'preliminary');
      const [final] = simulatedAnalytes(lead, seed, 'final');
      expect(Math.abs((preliminary!.value as number) - (final!.value as number))).toBeLessThanOrEqual(0.05 * (final!.value as number) + 0.11);
    }
  });

  it('produces valid analytes for every test, flagged against the limits', () => {
    for (const test of CATALOG) {
      const analytes = simulatedAnalytes(test, `seed:${test.code}`, 'final');
      expect(analytes.map((a) => a.name)).toEqual(test.analytes.map((a) => a.name));
      for (const analyte of analytes) expect(AnalyteSchema.parse(analyte)).toEqual(analyte);
    }
    expect(flagFor(lead.analytes[0]!, 16)).toBe('H');
    expect(flagFor(lead.analytes[0]!, 3)).toBeUndefined();
    expect(flagFor(catalogTest('PH')!.analytes[0]!, 6.1)).toBe('L');
  });

  it('keeps the analytes of a known code, and gives a new code one analyte named and measured like the test', () => {
    expect(simulatedTestFor({ code: 'LEAD', name: 'Renamed lead', matrix: null, unit: 'µg/L' }).analytes).toEqual(catalogTest('LEAD')!.analytes);
    const generated = simulatedTestFor({ code: 'GEN-0000001', name: 'Generated test 1', matrix: 'water', unit: 'mg/L' });
    const analytes = simulatedAnalytes(generated, 'LO-1:S-1:GEN-0000001', 'final');
    expect(analytes).toEqual([expect.objectContaining({ name: 'Generated test 1', unit: 'mg/L' })]);
    for (const analyte of analytes) expect(AnalyteSchema.parse(analyte)).toEqual(analyte);
  });
});
