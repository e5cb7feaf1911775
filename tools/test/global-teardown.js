const path = require('node:path');

module.exports = async function globalTeardown() {
  if (!globalThis.__LABSYNC_STARTED_KAFKA__ || process.env.LABSYNC_KEEP_KAFKA) return;
  const { stopKafka } = await import(path.resolve(__dirname, '../kafka/kafka.mjs'));
  await stopKafka();
};
