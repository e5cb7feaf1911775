import { parsePreferHeader } from './prefer-header';

const preference = (header: string | string[] | undefined) => {
  const result = parsePreferHeader(header);
  if (!result.ok) throw new Error(`unexpected error: ${result.message}`);
  return result.preference;
};
const error = (header: string) => {
  const result = parsePreferHeader(header);
  if (result.ok) throw new Error(`expected "${header}" to be refused`);
  return result.message;
};

describe('parsePreferHeader', () => {
  it('defaults to respond-async when there is no Prefer header', () => {
    expect(preference(undefined)).toEqual({ mode: 'async', waitSeconds: null, respondAsyncRequested: false });
    expect(preference('')).toEqual({ mode: 'async', waitSeconds: null, respondAsyncRequested: false });
  });

  it('reads respond-async, case-insensitively', () => {
    expect(preference('respond-async')).toEqual({ mode: 'async', waitSeconds: null, respondAsyncRequested: true });
    expect(preference('Respond-Async')).toEqual({ mode: 'async', waitSeconds: null, respondAsyncRequested: true });
  });

  it('reads wait=<seconds>, also quoted and with whitespace', () => {
    expect(preference('wait=10')).toEqual({ mode: 'wait', waitSeconds: 10, respondAsyncRequested: false });
    expect(preference('wait = "5"')).toEqual({ mode: 'wait', waitSeconds: 5, respondAsyncRequested: false });
    expect(preference('wait=0').waitSeconds).toBe(0);
  });

  it('reads several preferences in one header or in repeated headers', () => {
    expect(preference('respond-async, wait=30')).toEqual({ mode: 'wait', waitSeconds: 30, respondAsyncRequested: true });
    expect(preference(['handling=lenient', 'wait=3'])).toEqual({ mode: 'wait', waitSeconds: 3, respondAsyncRequested: false });
  });

  it('takes only the first occurrence of a repeated preference (RFC 7240)', () => {
    expect(preference('wait=5, wait=abc').waitSeconds).toBe(5);
  });

  it('ignores preferences it does not know, and their parameters', () => {
    expect(preference('return=minimal; foo="a,b", handling=strict, respond-async;x=1')).toEqual({
      mode: 'async',
      waitSeconds: null,
      respondAsyncRequested: true,
    });
  });

  it.each(['wait=abc', 'wait=-1', 'wait=1.5', 'wait', 'wait=', 'wait=9999999999'])('refuses the malformed %p', (header) => {
    expect(error(header)).toMatch(/wait must be a whole number of seconds/);
  });

  it('refuses a value on respond-async and an element that is not a token', () => {
    expect(error('respond-async=yes')).toMatch(/respond-async takes no value/);
    expect(error('=5')).toMatch(/not a valid preference/);
    expect(error('wait now=5')).toMatch(/not a valid preference/);
  });
});
