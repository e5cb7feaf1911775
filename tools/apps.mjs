// The app registry (tools/apps.json) for the .mjs tools: the list, and the variables that point one app at
// the others (links), given a URL for each app.
import { readFileSync } from 'node:fs';

/** @type {{ name: string, port: number, e2ePortIndex: number, dependsOn: string[], links: Record<string, { app: string, path: string }>, env: Record<string, string> }[]} */
export const APPS = JSON.parse(readFileSync(new URL('./apps.json', import.meta.url), 'utf8')).apps;

/** The app's environment defaults plus its links resolved with `urlOf(appName)`. */
export function appEnv(app, urlOf) {
  return { ...app.env, ...Object.fromEntries(Object.entries(app.links).map(([variable, link]) => [variable, `${urlOf(link.app)}${link.path}`])) };
}
