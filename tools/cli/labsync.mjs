#!/usr/bin/env node
// `npm run labsync -- <command>`: the operator's command line. Today: dead letters.
//   dead-letters list|replay            dead-lettered callbacks (the portal-adapter's operator API)
//   dead-letters list|replay --kafka    consumer dead letters on labsync.deadletter.v1 (libs/messaging replay)
// Run with no arguments (or --help) for the full usage. Exit codes: see EXIT in args.mjs.
import { EXIT, USAGE, UsageError, parseCommandLine } from './args.mjs';
import { CliFailure, listCallbackDeadLetters, replayCallbackDeadLetters } from './callback-dead-letters.mjs';

const out = {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
};

async function main(argv, env) {
  let options;
  try {
    options = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    out.stderr(`labsync: ${error.message}\n(npm run labsync -- --help shows the usage)`);
    return EXIT.usage;
  }
  if (options.help) {
    out.stdout(USAGE);
    return EXIT.ok;
  }
  try {
    if (options.source === 'callbacks') {
      return options.command === 'list' ? await listCallbackDeadLetters(options, env, out) : await replayCallbackDeadLetters(options, env, out);
    }
    const kafka = await import('./kafka-dead-letters.mjs');
    return options.command === 'list' ? await kafka.listKafkaDeadLetters(options, env, out) : await kafka.replayKafkaDeadLetters(options, env, out);
  } catch (error) {
    if (error instanceof CliFailure) {
      out.stderr(`labsync: ${error.message}`);
      return error.exitCode;
    }
    out.stderr(`labsync: unexpected error: ${error?.stack ?? error}`);
    return EXIT.failed;
  }
}

main(process.argv.slice(2), process.env).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`labsync: ${error?.stack ?? error}\n`);
    process.exitCode = EXIT.failed;
  },
);
