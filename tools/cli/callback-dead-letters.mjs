// Dead-lettered callbacks, through the portal-adapter's operator API (Bearer OPERATOR_API_KEY).
import { EXIT } from './args.mjs';

export const DEV_OPERATOR_API_KEY = 'dev-operator-key';

export class CliFailure extends Error {
  constructor(message, exitCode) {
    super(message);
    this.exitCode = exitCode;
  }
}

function settings(env) {
  const base = (env.PORTAL_ADAPTER_URL || 'http://127.0.0.1:3000').replace(/\/+$/, '');
  if (!/^https?:\/\//.test(base)) throw new CliFailure(`PORTAL_ADAPTER_URL must be an http(s) URL, not "${base}"`, EXIT.usage);
  return { base, key: env.OPERATOR_API_KEY || DEV_OPERATOR_API_KEY, keyIsDefault: !env.OPERATOR_API_KEY };
}

async function call(env, method, path, body) {
  const { base, key, keyIsDefault } = settings(env);
  let response;
  try {
    response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(30000),
    });
  } catch (error) {
    const cause = error?.cause?.code ?? error?.cause?.message ?? error?.message;
    throw new CliFailure(`cannot reach the portal-adapter at ${base} (${cause}); set PORTAL_ADAPTER_URL`, EXIT.unavailable);
  }
  const text = await response.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (response.status === 401) {
    const which = keyIsDefault ? 'the development key (OPERATOR_API_KEY is unset)' : 'OPERATOR_API_KEY';
    throw new CliFailure(`the portal-adapter at ${base} refused ${which}: ${json?.detail ?? text}`, EXIT.unavailable);
  }
  if (response.status === 400) {
    const errors = (json?.errors ?? []).map((e) => `\n  ${e.path}: ${e.message}`).join('');
    throw new CliFailure(`the portal-adapter refused the request: ${json?.detail ?? text}${errors}`, EXIT.usage);
  }
  if (response.status >= 500 || (response.status === 404 && !json?.notificationId)) {
    throw new CliFailure(`the portal-adapter at ${base} answered ${response.status} to ${method} ${path}: ${json?.detail ?? text.slice(0, 300)}`, EXIT.failed);
  }
  return { status: response.status, body: json };
}

const describe = (d) =>
  `${d.notificationId}  partner ${d.partnerId}  correlation ${d.correlationId} seq ${d.seq}  ${d.type}  ${d.attempts} attempts  dead since ${d.deadAt}` +
  `${d.heldNotifications > 0 ? `  holds ${d.heldNotifications} later notification${d.heldNotifications === 1 ? '' : 's'}` : ''}` +
  `${d.replays > 0 ? `  replayed ${d.replays}x before` : ''}\n      last error: ${d.lastError ?? '(none)'}`;

/** @returns {Promise<number>} the exit code */
export async function listCallbackDeadLetters(options, env, out) {
  const query = new URLSearchParams({ limit: String(options.limit) });
  if (options.filter.partnerId) query.set('partnerId', options.filter.partnerId);
  if (options.filter.correlationId) query.set('correlationId', options.filter.correlationId);
  const { body } = await call(env, 'GET', `/v1/operator/dead-letters?${query}`);
  if (options.json) {
    out.stdout(JSON.stringify(body, null, 2));
    return EXIT.ok;
  }
  if (body.total === 0) {
    out.stdout('No dead-lettered callbacks.');
    return EXIT.ok;
  }
  out.stdout(`${body.total} dead-lettered callback${body.total === 1 ? '' : 's'}${body.total > body.deadLetters.length ? ` (showing ${body.deadLetters.length}; raise --limit or filter)` : ''}:`);
  for (const d of body.deadLetters) out.stdout(`  ${describe(d)}`);
  return EXIT.ok;
}

/** @returns {Promise<number>} the exit code */
export async function replayCallbackDeadLetters(options, env, out) {
  const results = [];
  if (options.ids.length > 0) {
    for (const id of options.ids) {
      const { status, body } = await call(env, 'POST', `/v1/operator/dead-letters/${encodeURIComponent(id)}/replay`);
      results.push(status === 202 ? { notificationId: id, replayed: true, delivery: body } : { notificationId: id, replayed: false, status, reason: body?.detail ?? `HTTP ${status}` });
    }
  } else {
    const request = { limit: options.limit };
    if (options.filter.partnerId) request.partnerId = options.filter.partnerId;
    if (options.filter.correlationId) request.correlationId = options.filter.correlationId;
    if (options.all) request.all = true;
    const { body } = await call(env, 'POST', '/v1/operator/dead-letters/replay', request);
    for (const delivery of body.replayed) results.push({ notificationId: delivery.notificationId, replayed: true, delivery });
  }
  const failed = results.filter((r) => !r.replayed);
  if (options.json) {
    out.stdout(JSON.stringify({ replayed: results.filter((r) => r.replayed).map((r) => r.delivery), notReplayed: failed.map(({ notificationId, status, reason }) => ({ notificationId, status, reason })) }, null, 2));
  } else {
    if (results.length === 0) out.stdout('No dead-lettered callbacks matched; nothing replayed.');
    for (const r of results) {
      if (r.replayed) out.stdout(`replayed ${r.notificationId} (partner ${r.delivery.partnerId}, correlation ${r.delivery.correlationId} seq ${r.delivery.seq}): queued for delivery now`);
      else out.stderr(`not replayed ${r.notificationId}: ${r.reason}`);
    }
  }
  return failed.length > 0 ? EXIT.failed : EXIT.ok;
}
