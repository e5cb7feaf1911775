// What every local service under tools/ (the Kafka broker, Kafka Connect, the private Postgres cluster) needs
// to run as a detached process: a cross-process lock, pid liveness, stopping with a deadline, a TCP probe,
// log tails and running a command to completion. Only node: builtins (this runs before `npm install`).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const POLL_MS = 250;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const secs = (t0) => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
export const rel = (p) => path.relative(process.cwd(), p) || '.';
export const javaBin = () => (process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java');

export function readText(file) {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Runs a command to completion: { code, out } with stdout and stderr together. */
export function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (err) => reject(new Error(`could not run ${cmd}: ${err.message}`)));
    child.on('close', (code) => resolve({ code, out }));
  });
}

export function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** pid from pidFile if that process is alive and (where /proc exists) its command line contains `marker`. */
export function livePid(pidFile, marker) {
  const pid = Number(readText(pidFile));
  if (!pid || !pidAlive(pid)) return undefined;
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmdline.includes(marker)) return undefined; // pid was recycled
  } catch {
    /* no /proc (macOS): trust the pid file */
  }
  return pid;
}

/**
 * Runs fn while holding lockFile (created exclusively; a dead holder's lock is taken over). `label` names the
 * tool in its messages ("waiting for another <label>.mjs").
 */
export async function withLock(fn, { lockFile, label, timeoutMs = 15 * 60_000 }) {
  fs.mkdirSync(path.dirname(lockFile), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const holder = Number(readText(lockFile));
      if (!holder || !pidAlive(holder)) {
        // stale lock (holder crashed or was killed); a partial write is retried next round
        if (holder || fileAgeMs(lockFile) > 5_000) fs.rmSync(lockFile, { force: true });
      } else if (!announced) {
        console.log(`${label}: waiting for another ${label}.mjs (pid ${holder})...`);
        announced = true;
      }
      if (Date.now() > deadline) throw new Error(`${label}: timed out waiting for ${rel(lockFile)}`);
      await sleep(POLL_MS);
    }
  }
  try {
    return await fn();
  } finally {
    if (readText(lockFile) === String(process.pid)) fs.rmSync(lockFile, { force: true });
  }
}

function fileAgeMs(file) {
  try {
    return Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return Infinity;
  }
}

/**
 * Sends `signal` and waits up to timeoutMs for the process to exit, then SIGKILLs it. Resolves true when it
 * exited on its own after SIGTERM (a clean shutdown).
 */
export async function terminate(pid, timeoutMs, signal = 'SIGTERM') {
  try {
    process.kill(pid, signal);
  } catch {
    return true;
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!pidAlive(pid)) return signal === 'SIGTERM';
    await sleep(POLL_MS);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
  for (let i = 0; i < 20 && pidAlive(pid); i++) await sleep(POLL_MS);
  return false;
}

/** Something accepts TCP connections on host:port (not necessarily the service we want). */
export function portOpen(host, port, timeoutMs = 1_000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const finish = (ok) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('connect', () => finish(true));
    socket.on('error', () => finish(false));
  });
}

/** The last `lines` lines of a log, without Java stack frames so the actual error messages fit. */
export function logTail(file, lines) {
  const text = readText(file);
  return text
    ? text
        .split('\n')
        .filter((l) => !/^\s+(at |\.\.\. \d+ more)/.test(l))
        .slice(-lines)
        .join('\n')
    : '';
}

/** Prints the tails of a service's logs to stderr (after a failed start). */
export function printLogTails(label, files, lines = 40) {
  let printed = false;
  for (const file of files) {
    const text = logTail(file, lines);
    if (!text) continue;
    console.error(`----- last lines of ${rel(file)} -----\n${text}`);
    printed = true;
  }
  if (!printed) console.error(`${label}: (no log output)`);
}

/**
 * Starts a long-running process detached from this one (it outlives the CLI), its stdout and stderr into
 * outLog and its pid into pidFile. Resolves with { pid, isAlive } once it was spawned.
 */
export async function spawnDetached(cmd, args, { cwd, outLog, pidFile, label }) {
  const outFd = fs.openSync(outLog, 'w');
  const child = spawn(cmd, args, { cwd, detached: true, stdio: ['ignore', outFd, outFd] });
  fs.closeSync(outFd);
  let exited = false;
  child.on('exit', () => (exited = true));
  const spawnError = await new Promise((resolve) => {
    child.once('error', resolve);
    child.once('spawn', () => resolve(undefined));
  });
  if (spawnError) throw new Error(`${label}: could not run ${cmd}: ${spawnError.message}`);
  child.unref();
  fs.writeFileSync(pidFile, `${child.pid}\n`);
  return { pid: child.pid, isAlive: () => !exited && pidAlive(child.pid), hasExited: () => exited };
}

/**
 * A log4j2.properties for a Kafka JVM: everything at INFO into a rolling `${sys:kafka.logs.dir}/<fileName>`,
 * `loggers` ({ id: [logger name, level] }) quieter or louder.
 */
export function rollingFileLog4j({ header, fileName, loggers }) {
  return `${header}
status = warn
# Kafka logs during its own shutdown hook; keep log4j alive until the JVM exits
shutdownHook = disable
appender.file.type = RollingFile
appender.file.name = FILE
appender.file.fileName = \${sys:kafka.logs.dir}/${fileName}
appender.file.filePattern = \${sys:kafka.logs.dir}/${fileName}.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 20MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 2
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
${Object.entries(loggers)
  .map(([id, [name, level]]) => `logger.${id}.name = ${name}\nlogger.${id}.level = ${level}\n`)
  .join('')}`;
}
