import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PORTS } from '@labsync/configuration';
import { REGISTERED_APPS } from '@labsync/testing';

const ROOT = join(__dirname, '..');
const registry = REGISTERED_APPS;
const projects = readdirSync(join(ROOT, 'apps')).map((dir) => ({ dir, project: JSON.parse(readFileSync(join(ROOT, 'apps', dir, 'project.json'), 'utf8')) as { name: string; tags: string[] } }));

/** tools/apps.json is the one list of apps: the stack, the e2e harness and the lint scopes read it. */
describe('the app registry (tools/apps.json)', () => {
  it('lists every app under apps/ once, and nothing else', () => {
    expect(registry.map((a) => a.name).sort()).toEqual(projects.map((p) => p.dir).sort());
    expect(new Set(registry.map((a) => a.name)).size).toBe(registry.length);
  });

  it("matches each app's project.json (name and lint scope tag)", () => {
    for (const { dir, project } of projects) {
      expect(project.name).toBe(dir);
      expect(project.tags).toEqual(expect.arrayContaining(['type:app', `scope:${dir}`]));
    }
  });

  it('agrees with the runtime default ports, with distinct ports and e2e port indexes', () => {
    for (const app of registry) expect(DEFAULT_PORTS[app.name as keyof typeof DEFAULT_PORTS]).toBe(app.port);
    // Both ways: a port for an app that is not registered (or no longer exists) is drift too.
    expect(Object.keys(DEFAULT_PORTS).sort()).toEqual(registry.map((a) => a.name).sort());
    expect(new Set(registry.map((a) => a.port)).size).toBe(registry.length);
    expect(new Set(registry.map((a) => a.e2ePortIndex)).size).toBe(registry.length);
  });

  it('links only to registered apps it declares as dependencies', () => {
    const names = new Set(registry.map((a) => a.name));
    for (const app of registry) {
      for (const dependency of app.dependsOn) expect(names).toContain(dependency);
      for (const link of Object.values(app.links)) expect(app.dependsOn).toContain(link.app);
    }
  });
});
