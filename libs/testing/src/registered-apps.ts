import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One app of tools/apps.json, the list every runner of the platform reads. */
export interface RegisteredApp {
  name: string;
  port: number;
  /** Index of its port in a test's portBlock. */
  e2ePortIndex: number;
  dependsOn: string[];
  links: Record<string, { app: string; path: string }>;
  env: Record<string, string>;
}

/** Read from the file (tools/ is not a project a lib may import). */
export const REGISTERED_APPS: readonly RegisteredApp[] = (JSON.parse(readFileSync(join(__dirname, '../../../tools/apps.json'), 'utf8')) as { apps: RegisteredApp[] }).apps;

export function registeredApp(name: string): RegisteredApp {
  const app = REGISTERED_APPS.find((a) => a.name === name);
  if (!app) throw new Error(`${name} is not in tools/apps.json`);
  return app;
}

/** The app's environment defaults and its links to the other apps, resolved with `urlOf(appName)`. */
export function registeredEnv(name: string, urlOf: (app: string) => string): Record<string, string> {
  const app = registeredApp(name);
  return { ...app.env, ...Object.fromEntries(Object.entries(app.links).map(([variable, link]) => [variable, `${urlOf(link.app)}${link.path}`])) };
}
