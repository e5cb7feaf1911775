/**
 * The `Prefer` request header (RFC 7240) as the partner API reads it: `respond-async` (the default) or
 * `wait=<seconds>`. Preferences it does not know are ignored, as the RFC requires; a known preference with
 * a malformed value is an error the partner should hear about.
 */
export interface ResponsePreference {
  /** `wait` when the partner asked to wait for the lab's answer, else `async`. */
  mode: 'async' | 'wait';
  waitSeconds: number | null;
  /** The partner sent `respond-async` explicitly (so `Preference-Applied` can say it was honoured). */
  respondAsyncRequested: boolean;
}

export type PreferParse = { ok: true; preference: ResponsePreference } | { ok: false; message: string };

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const MAX_WAIT_DIGITS = 9;

export function parsePreferHeader(header: string | string[] | undefined): PreferParse {
  const raw = Array.isArray(header) ? header.join(',') : (header ?? '');
  const seen = new Map<string, string | null>();
  for (const element of splitOutsideQuotes(raw, ',')) {
    // Parameters after ";" qualify a preference; none of ours take any, so they are ignored.
    const [head = ''] = splitOutsideQuotes(element, ';');
    const trimmed = head.trim();
    if (!trimmed) continue;
    const eq = trimmed.indexOf('=');
    const name = (eq === -1 ? trimmed : trimmed.slice(0, eq)).trim().toLowerCase();
    if (!TOKEN.test(name)) return { ok: false, message: `"${trimmed}" is not a valid preference` };
    const value = eq === -1 ? null : unquote(trimmed.slice(eq + 1).trim());
    // RFC 7240: when a preference is given more than once, only the first counts.
    if (!seen.has(name)) seen.set(name, value);
  }

  const respondAsync = seen.get('respond-async');
  if (respondAsync !== undefined && respondAsync !== null && respondAsync !== '') {
    return { ok: false, message: 'respond-async takes no value' };
  }
  const wait = seen.get('wait');
  let waitSeconds: number | null = null;
  if (wait !== undefined) {
    if (wait === null || !new RegExp(`^\\d{1,${MAX_WAIT_DIGITS}}$`).test(wait)) {
      return { ok: false, message: 'wait must be a whole number of seconds, e.g. "Prefer: wait=10"' };
    }
    waitSeconds = Number(wait);
  }
  return {
    ok: true,
    preference: { mode: waitSeconds === null ? 'async' : 'wait', waitSeconds, respondAsyncRequested: respondAsync !== undefined },
  };
}

function splitOutsideQuotes(value: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (quoted && c === '\\' && i + 1 < value.length) {
      current += c + value[++i];
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === separator && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) return value.slice(1, -1).replace(/\\(.)/g, '$1');
  return value;
}
