// Starts the whole labsync stack on this machine: Kafka (the project's own broker unless KAFKA_BROKERS is
// set), Postgres checked (database created by the apps), every app and both stand-ins as separate
// processes built from dist/, each waited for on /health/ready. Used by `npm start` and `npm run demo`.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from '../build/build.mjs';
import { APPS, appEnv } from '../apps.mjs';
import { startKafka, stopKafka } from '../kafka/kafka.mjs';
import { ensurePostgres } from '../test/infrastructure.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/labsync';

// The apps come from tools/apps.json, in its order. Start order matters only for readability of the logs:
// every app retries its dependencies.
export { APPS };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitReady(url, child, name, logFile, timeoutMs = 90000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode}; see ${logFile}`);
    const ok = await fetch(`${url}/health/ready`).then((r) => r.status === 200, () => false);
    if (ok) return;
    await sleep(250);
  }
  throw new Error(`${name} was not ready within ${timeoutMs / 1000}s; see ${logFile}`);
}

export async function startStack({ labSimAuto = true, logLevel = 'info', say = console.log } = {}) {
  const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  await ensurePostgres(databaseUrl);
  const kafka = await startKafka();
  const startedKafka = !kafka.external && !kafka.alreadyRunning;
  await build({ quiet: true });
  const logDir = join(root, 'tmp/stack-logs');
  mkdirSync(logDir, { recursive: true });
  const ports = Object.fromEntries(APPS.map((a) => [a.name, Number(process.env[`${a.name.toUpperCase().replace(/-/g, '_')}_PORT`] || a.port)]));
  const url = (name) => `http://127.0.0.1:${ports[name]}`;
  const common = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    KAFKA_BROKERS: process.env.KAFKA_BROKERS || kafka.brokers,
    LOG_LEVEL: process.env.LOG_LEVEL || logLevel,
    PORTAL_SIM_URL: url('portal-sim'),
    // The local stack is for this machine only (a container sets HOST=0.0.0.0).
    HOST: process.env.HOST || '127.0.0.1',
  };
  const perApp = Object.fromEntries(APPS.map((app) => [app.name, appEnv(app, url)]));
  perApp['lab-sim'].LAB_SIM_AUTO = labSimAuto ? '1' : '0';
  const children = [];
  const stop = async () => {
    await Promise.all(
      children.map(
        ({ child }) =>
          new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', done);
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 20000).unref();
          }),
      ),
    );
    if (startedKafka && !process.env.LABSYNC_KEEP_KAFKA) await stopKafka();
  };
  try {
    for (const app of APPS) {
      const logFile = join(logDir, `${app.name}.log`);
      const log = createWriteStream(logFile, { flags: 'a' });
      const child = spawn(process.execPath, [join(root, 'dist/apps', app.name, 'main.js')], {
        cwd: root,
        env: { ...common, ...perApp[app.name], PORT: String(ports[app.name]) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.pipe(log);
      child.stderr.pipe(log);
      children.push({ name: app.name, child });
      await waitReady(url(app.name), child, app.name, logFile);
      say(`  ${app.name.padEnd(20)} ready on ${url(app.name)}  (log: tmp/stack-logs/${app.name}.log)`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, ports, children, stop, kafkaBrokers: common.KAFKA_BROKERS, databaseUrl };
}
