#!/usr/bin/env node
// `npm run demo`: starts the stack, sends a scripted set of test requests through the whole loop, tells
// what happens in plain words, and exits 0 with a summary when every request reached its final status.
import { randomUUID } from 'node:crypto';
import { startStack } from './stack.mjs';

const FINAL = new Set(['DELIVERED', 'REJECTED_BY_LAB', 'CANCELLED', 'FAILED']);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const say = (line = '') => console.log(line);
const run = randomUUID().slice(0, 8);

const partners = { acme: 'dev-acme-key', globex: 'dev-globex-key' };
const scripted = [
  {
    story: 'Acme sends a well-water sample for pH and lead',
    partner: 'acme',
    body: { portalRequestId: `PR-${run}-1`, customer: { id: 'C-42', name: 'Acme Water Co', email: 'qa@acme.example' }, priority: 'standard',
      samples: [{ sampleId: 'S-1', matrix: 'water', description: 'Well #3', collectedAt: '2026-11-20T08:00:00Z', tests: ['PH', 'LEAD'] }] },
    expect: 'DELIVERED',
  },
  {
    story: 'Globex sends two soil samples, rush, for nitrate and copper',
    partner: 'globex',
    body: { portalRequestId: `PR-${run}-2`, customer: { id: 'G-7', name: 'Globex Farms', email: 'lab@globex.example' }, priority: 'rush',
      samples: [
        { sampleId: 'SOIL-A', matrix: 'soil', collectedAt: '2026-11-19T15:30:00Z', tests: ['NITRATE'] },
        { sampleId: 'SOIL-B', matrix: 'soil', collectedAt: '2026-11-19T15:45:00Z', tests: ['COPPER'] },
      ] },
    expect: 'DELIVERED',
  },
  {
    story: 'Acme asks for a test the lab does not offer',
    partner: 'acme',
    body: { portalRequestId: `PR-${run}-3`, customer: { id: 'C-42', name: 'Acme Water Co', email: 'qa@acme.example' }, priority: 'standard',
      samples: [{ sampleId: 'S-9', matrix: 'water', collectedAt: '2026-11-20T09:00:00Z', tests: ['UNOBTAINIUM'] }] },
    expect: 'REJECTED_BY_LAB',
  },
];

async function api(stack, method, path, key, body, headers = {}) {
  const response = await fetch(`${stack.url('portal-adapter')}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: await response.json().catch(() => null) };
}

function describeEntry(entry) {
  const words = {
    RECEIVED: 'labsync stored the request',
    DISPATCHED: 'labsync queued it for the lab',
    ACCEPTED_BY_LAB: 'the lab accepted it',
    REJECTED_BY_LAB: 'the lab rejected it',
    IN_PROGRESS: 'the lab started the analysis',
    RESULTS_PARTIAL: 'first results came back',
    COMPLETED: 'the lab finished every test',
    DELIVERED: 'the portal has received everything',
    CANCELLED: 'the order was cancelled',
  };
  return `${words[entry.status] ?? entry.status}${entry.detail ? ` (${entry.detail})` : ''}`;
}

async function main() {
  const started = Date.now();
  say('labsync demo: a customer portal and a lab kept in sync through Kafka.');
  say('Starting the local stack (Kafka, Postgres, 3 labsync apps, a simulated portal and a simulated lab)...');
  const stack = await startStack({ labSimAuto: true, logLevel: 'warn' });
  let exitCode = 1;
  try {
    say('');
    say('1. A request with a mistake is refused at the door, and nothing is stored:');
    const bad = await api(stack, 'POST', '/v1/test-requests', partners.acme, { portalRequestId: 'PR-bad', priority: 'whenever', samples: [] });
    say(`   HTTP ${bad.status}: ${(bad.body?.errors ?? []).map((e) => `${e.path} ${e.message}`).join('; ')}`);

    say('');
    say('2. Three valid requests arrive from two partners:');
    const tracked = [];
    for (const item of scripted) {
      const key = `demo-${run}-${item.body.portalRequestId}`;
      const answer = await api(stack, 'POST', '/v1/test-requests', partners[item.partner], item.body, { 'idempotency-key': key });
      say(`   ${item.story}: HTTP ${answer.status}, correlation id ${answer.body.correlationId}`);
      tracked.push({ ...item, key, correlationId: answer.body.correlationId, seen: 0, status: answer.body.status });
    }
    const retry = await api(stack, 'POST', '/v1/test-requests', partners.acme, scripted[0].body, { 'idempotency-key': tracked[0].key });
    say(`   Acme's network hiccups and it sends the first request again with the same Idempotency-Key:`);
    say(`   HTTP ${retry.status}, same correlation id: ${retry.body.correlationId === tracked[0].correlationId ? 'yes' : 'NO'}, nothing new is created.`);

    say('');
    say('3. Watching each request travel to the lab and back (the simulated lab works on its own):');
    const deadline = Date.now() + 180000;
    while (tracked.some((t) => !FINAL.has(t.status)) && Date.now() < deadline) {
      for (const t of tracked) {
        const { body } = await api(stack, 'GET', `/v1/test-requests/${t.correlationId}`, partners[t.partner]);
        if (!body) continue;
        for (const entry of body.timeline.slice(t.seen)) say(`   [${t.body.portalRequestId}] ${describeEntry(entry)}`);
        t.seen = body.timeline.length;
        t.status = body.status;
        t.results = body.results;
        t.labOrderId = body.labOrderId;
      }
      await sleep(300);
    }

    const received = await fetch(`${stack.url('portal-sim')}/sim/received`).then((r) => r.json());
    const orders = await fetch(`${stack.url('lab-sim')}/sim/orders`).then((r) => r.json());
    say('');
    say('Summary');
    let allAsExpected = true;
    for (const t of tracked) {
      const callbacks = received.events.filter((e) => e.correlationId === t.correlationId);
      const duplicates = callbacks.filter((e) => e.deliveries > 1).length;
      const order = orders.orders.find((o) => o.externalRef === t.correlationId);
      const finals = (t.results ?? []).filter((r) => r.resultStatus === 'final').length;
      const ok = t.status === t.expect && (t.expect !== 'DELIVERED' || (order?.postCount === 1 && finals > 0));
      allAsExpected &&= ok;
      say(`  ${ok ? 'ok ' : 'NOT'} ${t.body.portalRequestId} (${t.partner}): ${t.status}` +
        `${t.labOrderId ? `, lab order ${t.labOrderId} posted ${order?.postCount ?? '?'} time(s)` : ''}` +
        `, ${finals} final result(s), ${callbacks.length} callback(s) to the portal, ${duplicates} delivered twice`);
    }
    say(`  finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    exitCode = allAsExpected ? 0 : 1;
    if (!allAsExpected) say('  Some requests did not end as expected; see tmp/stack-logs/*.log');
  } finally {
    say('Stopping the stack...');
    await stack.stop();
  }
  process.exit(exitCode);
}

main().catch((error) => {
  console.error(`demo failed: ${error.message}`);
  process.exit(1);
});
