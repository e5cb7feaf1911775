import { parseCorrelationId } from './correlation-id';

describe('parseCorrelationId', () => {
  const id = '0b6a3c1e-8a53-4c0e-9a55-2f1d7c3b9e41';

  it('accepts a UUID in any case and gives it in lower case', () => {
    expect(parseCorrelationId(id)).toBe(id);
    expect(parseCorrelationId(id.toUpperCase())).toBe(id);
  });

  it('refuses what is not a UUID, over-long ids included', () => {
    for (const raw of ['', 'never-seen', `${id}0`, ` ${id}`, id.replace(/-/g, ''), 'x'.repeat(15000), `${id}\n`]) {
      expect(parseCorrelationId(raw)).toBeNull();
    }
  });
});
