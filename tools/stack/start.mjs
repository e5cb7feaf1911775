#!/usr/bin/env node
// `npm start`: the whole stack in the foreground until Ctrl-C, then a clean shutdown.
import { startStack } from './stack.mjs';

console.log('labsync: starting Kafka, Postgres checks and every app...');
const stack = await startStack({ labSimAuto: process.env.LAB_SIM_AUTO !== '0' }).catch((error) => {
  console.error(`labsync: could not start: ${error.message}`);
  process.exit(1);
});
console.log(`
labsync is running. Try the partner API (development partner "acme"):
  curl -s -X POST ${stack.url('portal-adapter')}/v1/test-requests -H 'Authorization: Bearer dev-acme-key' \\
       -H 'Content-Type: application/json' -d @docs/examples/test-request.json
  curl -s ${stack.url('portal-adapter')}/v1/test-requests/<correlationId> -H 'Authorization: Bearer dev-acme-key'
What the portal received:  curl -s ${stack.url('portal-sim')}/sim/received
What the lab holds:        curl -s ${stack.url('lab-sim')}/sim/orders
Press Ctrl-C to stop.`);
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nlabsync: stopping...');
    await stack.stop();
    console.log('labsync: stopped.');
    process.exit(0);
  });
}
for (const { name, child } of stack.children) {
  child.on('exit', (code) => {
    if (!stopping) console.error(`labsync: ${name} exited unexpectedly (code ${code}); see tmp/stack-logs/${name}.log`);
  });
}
