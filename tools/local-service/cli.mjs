// The shape every local-service CLI under tools/ shares: `--flag value` / `--flag=value` options, and running
// main() only when the file is the command (not when another module imports it).

import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Parses `args` into options: `values` maps a flag to an option name, `ports` lists the option names that are
 * port numbers, `switches` maps a valueless flag to an option name. Errors start with `label:`.
 */
export function parseOptions(args, { label, values, ports = [], switches = {} }) {
  const options = {};
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    if (switches[flag]) {
      options[switches[flag]] = true;
      continue;
    }
    const name = values[flag];
    if (!name) throw new Error(`${label}: unknown option ${args[i]}`);
    const value = inline ?? args[++i];
    if (value === undefined || value === '') throw new Error(`${label}: ${flag} needs a value`);
    if (ports.includes(name)) options[name] = parsePort(value, `${label}: ${flag}`);
    else options[name] = value;
  }
  return options;
}

/** A TCP port number, or an error naming `what`. */
export function parsePort(value, what) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${what} must be a port number, got ${value}`);
  return n;
}

/** The port in env variable `name`, undefined when it is unset or empty. */
export function portFromEnv(name, label) {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : parsePort(value, `${label}: ${name}`);
}

function invokedDirectly(moduleUrl) {
  if (!process.argv[1]) return false;
  try {
    return fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

/** Runs main(command, args) when the module at moduleUrl is the script node was started with; exits with its code. */
export function runWhenInvoked(moduleUrl, main) {
  if (!invokedDirectly(moduleUrl)) return;
  Promise.resolve()
    .then(() => main(process.argv[2], process.argv.slice(3)))
    .then(
      (code) => process.exit(code),
      (err) => {
        console.error(err && err.message ? err.message : err);
        process.exit(1);
      },
    );
}
