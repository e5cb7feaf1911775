// Readiness over Connect's REST API (Node's built-in fetch): the worker has joined its group and read its
// config topic (GET /health, KIP-1017), and the Debezium connector is among its plugins.

import { DEBEZIUM_POSTGRES_CONNECTOR_CLASS } from './versions.mjs';

async function getJson(url, timeoutMs) {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, body: await response.json().catch(() => undefined) };
}

/** { ready, version, reason }: ready when /health answers 200 and /connector-plugins lists Debezium's PostgresConnector. */
export async function connectReadiness(url, timeoutMs = 2_000) {
  try {
    const root = await getJson(`${url}/`, timeoutMs);
    if (root.status !== 200 || !root.body?.version) return { ready: false, reason: `GET / answered ${root.status}` };
    const health = await getJson(`${url}/health`, timeoutMs);
    if (health.status !== 200) return { ready: false, version: root.body.version, reason: `GET /health answered ${health.status}: ${health.body?.message ?? ''}` };
    const plugins = await getJson(`${url}/connector-plugins`, timeoutMs);
    const listed = Array.isArray(plugins.body) && plugins.body.some((p) => p.class === DEBEZIUM_POSTGRES_CONNECTOR_CLASS);
    if (!listed) return { ready: false, version: root.body.version, reason: `${DEBEZIUM_POSTGRES_CONNECTOR_CLASS} is not in GET /connector-plugins` };
    return { ready: true, version: root.body.version };
  } catch (error) {
    return { ready: false, reason: error.cause?.code ?? error.message };
  }
}
