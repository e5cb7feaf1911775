#!/usr/bin/env node
// Compiles apps/ and libs/ (TypeScript, decorators with metadata) to CommonJS under dist/out with swc,
// rewriting the @labsync/* path aliases to relative requires, and writes one entry point per app at
// dist/apps/<app>/main.js so that `node dist/apps/<app>/main.js` runs it. Type-checking is `npm run typecheck`;
// this step only transpiles, so it takes a second or two.
import { transformFile } from '@swc/core';
import { mkdir, readdir, readFile, rename, writeFile, stat, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const outDir = join(root, 'dist/out');
const SKIP = /\.(spec|int-spec|e2e-spec)\.ts$|\.d\.ts$/;
// Test code stays out of the runtime tree apps start from: the harness and each app's test/ helpers run under
// Jest (ts-jest), never from dist/, and production code cannot import them (lint).
const TEST_ONLY_DIRS = [/^libs\/testing$/, /^apps\/[^/]+\/test$/];

async function* walk(dir) {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const fromRoot = relative(root, path).split(sep).join('/');
      if (!TEST_ONLY_DIRS.some((dir) => dir.test(fromRoot))) yield* walk(path);
    }
    else if (entry.name.endsWith('.ts') && !SKIP.test(entry.name)) yield path;
  }
}

async function aliasPaths() {
  const base = JSON.parse(await readFile(join(root, 'tsconfig.base.json'), 'utf8'));
  return base.compilerOptions.paths;
}

function swcOptions(paths, filename) {
  return {
    filename,
    sourceMaps: true,
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2023',
      keepClassNames: true,
      baseUrl: root,
      paths,
    },
    module: { type: 'commonjs', strictMode: true },
  };
}

export async function build({ quiet = false } = {}) {
  const started = Date.now();
  const paths = await aliasPaths();
  // Compile next to dist/out and swap it in at the end: a build (every Jest run starts one) never leaves
  // half a tree behind for an app process that another run is starting at that moment.
  const nextDir = `${outDir}.next-${process.pid}`;
  await rm(nextDir, { recursive: true, force: true });
  const files = [];
  for (const top of ['apps', 'libs']) for await (const f of walk(join(root, top))) files.push(f);
  // swc's transform runs on its own thread pool; a bounded fan-out keeps memory flat.
  const queue = [...files];
  const worker = async () => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      const { code, map } = await transformFile(file, swcOptions(paths, file));
      const target = join(nextDir, relative(root, file)).replace(/\.ts$/, '.js');
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, `${code}\n//# sourceMappingURL=${target.split(sep).pop()}.map\n`);
      if (map) await writeFile(`${target}.map`, map);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const oldDir = `${outDir}.old-${process.pid}`;
  await rename(outDir, oldDir).catch((error) => {
    if (error.code !== 'ENOENT') throw error;
  });
  await rename(nextDir, outDir);
  await rm(oldDir, { recursive: true, force: true });

  const apps = (await readdir(join(root, 'apps'), { withFileTypes: true })).filter((d) => d.isDirectory());
  for (const app of apps) {
    const entry = join(outDir, 'apps', app.name, 'src/main.js');
    if (!(await stat(entry).catch(() => null))) continue;
    const shim = join(root, 'dist/apps', app.name, 'main.js');
    await mkdir(dirname(shim), { recursive: true });
    await writeFile(shim, `'use strict';\nrequire(${JSON.stringify(relative(dirname(shim), entry).split(sep).join('/').replace(/^(?!\.)/, './'))});\n`);
  }
  if (!quiet) console.log(`build: ${files.length} files compiled to dist/ in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  build().catch((error) => {
    console.error(`build failed: ${error.message}`);
    process.exit(1);
  });
}
