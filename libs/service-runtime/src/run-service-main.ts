import { ConfigError } from '@labsync/configuration';
import { DatabaseUnreachableError } from '@labsync/persistence';
import { DependencyUnreachableError, startService, type ServiceDefinition } from './start-service';

/**
 * The body of every app's main.ts: start, stop cleanly on SIGTERM/SIGINT, and turn start-up failures
 * (bad configuration, Postgres or Kafka unreachable) into one line on stderr and exit code 1.
 */
export function runServiceMain(definition: ServiceDefinition): void {
  startService(definition)
    .then((service) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        service.logger.info({ signal }, 'shutting down');
        const force = setTimeout(() => process.exit(1), 20000).unref();
        service.close().then(
          () => {
            clearTimeout(force);
            process.exit(0);
          },
          () => process.exit(1),
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    })
    .catch((error: unknown) => {
      // Expected failures are one line; anything else also gets its stack.
      const known = error instanceof ConfigError || error instanceof DatabaseUnreachableError || error instanceof DependencyUnreachableError;
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`${definition.name}: ${message}\n`);
      if (!known && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
      process.exit(1);
    });
}
