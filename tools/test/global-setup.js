// Before any suite: a real Kafka broker (started here unless KAFKA_BROKERS points at one, or one already
// listens on 127.0.0.1:9092), the database reachable, and the apps built for the end-to-end specs.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

module.exports = async function globalSetup() {
  const root = path.resolve(__dirname, '../..');
  const { ensureTestInfrastructure } = await import(path.join(root, 'tools/test/infrastructure.mjs'));
  const { startedKafka } = await ensureTestInfrastructure();
  globalThis.__LABSYNC_STARTED_KAFKA__ = startedKafka;
  if (!process.env.LABSYNC_SKIP_BUILD) {
    execFileSync(process.execPath, [path.join(root, 'tools/build/build.mjs')], { stdio: 'inherit', cwd: root });
  }
};
