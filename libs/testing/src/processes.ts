import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { waitFor } from './wait-for';

const ROOT = resolve(__dirname, '../../..');
const LOG_DIR = join(ROOT, 'tmp/test-logs');

export interface AppProcessOptions {
  /** App folder name under apps/ (it must have been built: npm test builds before Jest runs). */
  app: string;
  port: number;
  env: Record<string, string>;
  /** Label for the log file (tmp/test-logs/<label>.log); defaults to the app name and port. */
  label?: string;
  readyTimeoutMs?: number;
}

/**
 * A real app process, started from dist/ like in production, for end-to-end and fault tests.
 * Its JSON logs go to tmp/test-logs/<label>.log so a failing test can be diagnosed.
 */
export class AppProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<number | null> = Promise.resolve(null);
  readonly url: string;
  readonly logFile: string;

  constructor(readonly options: AppProcessOptions) {
    this.url = `http://127.0.0.1:${options.port}`;
    this.logFile = join(LOG_DIR, `${options.label ?? `${options.app}-${options.port}`}.log`);
  }

  async start(): Promise<this> {
    mkdirSync(LOG_DIR, { recursive: true });
    const log = createWriteStream(this.logFile, { flags: 'a' });
    const child = spawn(process.execPath, [join(ROOT, 'dist/apps', this.options.app, 'main.js')], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'info', ...this.options.env, PORT: String(this.options.port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    this.child = child;
    this.exited = new Promise((resolveExit) => child.once('exit', (code) => resolveExit(code)));
    // An app that exits during start fails the start at once (with its log file named), instead of the
    // readiness probe polling until its deadline.
    let exitCode: number | null | undefined;
    const exitedEarly = this.exited.then((code) => {
      exitCode = code;
      throw new Error(`${this.options.app} exited with code ${code} while starting; see ${this.logFile}`);
    });
    const ready = waitFor(
      async () => {
        if (exitCode !== undefined) return true;
        return (await this.readiness(2000))?.status === 200;
      },
      { timeoutMs: this.options.readyTimeoutMs ?? 60000, intervalMs: 200, what: `${this.options.app} on port ${this.options.port} to be ready (log: ${this.logFile})` },
    );
    exitedEarly.catch(() => undefined);
    await Promise.race([ready, exitedEarly]).catch(async (error) => {
      await this.kill();
      throw error;
    });
    if (exitCode !== undefined) throw new Error(`${this.options.app} exited with code ${exitCode} while starting; see ${this.logFile}`);
    return this;
  }

  /**
   * The app's `/health/ready` answer (status and body text), or null when it does not answer. Bounded, so a
   * process that accepts connections but never answers cannot hang a caller.
   */
  async readiness(timeoutMs = 3000): Promise<{ status: number; body: string } | null> {
    try {
      const response = await fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(timeoutMs) });
      return { status: response.status, body: await response.text() };
    } catch {
      return null;
    }
  }

  /** The last `count` warn/error lines of the app's JSON log (for failure messages); none when there is no log yet. */
  recentWarnings(count: number): string[] {
    let text: string;
    try {
      text = readFileSync(this.logFile, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter((line) => /"level":"(warn|error|fatal)"/.test(line))
      .slice(-count);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Graceful stop (SIGTERM), as Kubernetes does. */
  async stop(): Promise<void> {
    if (!this.child || this.child.exitCode !== null) return;
    this.child.kill('SIGTERM');
    const timeout = setTimeout(() => this.child?.kill('SIGKILL'), 20000);
    await this.exited;
    clearTimeout(timeout);
  }

  /** Crash (SIGKILL): no shutdown hooks, no flush. */
  async kill(): Promise<void> {
    if (!this.child || this.child.exitCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** Ports for one test file: a base from the Jest worker id keeps parallel workers apart. */
export function portBlock(offset: number): (index: number) => number {
  const worker = Number(process.env['JEST_WORKER_ID'] ?? 1);
  // TEST_PORT_SHIFT lets two checkouts run their suites side by side on one machine.
  const base = 20000 + Number(process.env['TEST_PORT_SHIFT'] ?? 0) + offset * 100 + worker * 20;
  return (index: number) => base + index;
}
