#!/usr/bin/env node
// Summarises V8 CPU profiles (.cpuprofile, written by `node --cpu-prof`): where a process spent its busy
// time, by package / labsync module (self time, and "on the stack" time, which counts a sample once for
// every module anywhere in its call stack), and the hottest functions by self time.
//
//   node tools/bench/cpu-profile.mjs <file.cpuprofile | directory>
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

const IDLE = new Set(['(idle)']);

/** Which package or labsync module a frame belongs to. */
export function moduleOf(callFrame) {
  const { url, functionName } = callFrame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return `node:${url.slice(5).replace(/^internal\//, '').split('/')[0]}`;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const parts = url.slice(nm + 14).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  const dist = url.match(/\/dist\/(?:out\/)?((?:apps|libs)\/[^/]+)/);
  if (dist) return dist[1];
  return url.replace(/^file:\/\//, '');
}

export function summariseProfile(profile, { top = 15 } = {}) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map();
  const onStackUs = new Map();
  let totalUs = 0;
  let idleUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0;
    const node = byId.get(profile.samples[i]);
    if (!node) continue;
    totalUs += dt;
    if (IDLE.has(node.callFrame.functionName)) {
      idleUs += dt;
      continue;
    }
    selfUs.set(node.id, (selfUs.get(node.id) ?? 0) + dt);
    const seen = new Set();
    for (let id = node.id; id !== undefined; id = parent.get(id)) {
      const m = moduleOf(byId.get(id).callFrame);
      if (m === '(root)' || seen.has(m)) continue;
      seen.add(m);
      onStackUs.set(m, (onStackUs.get(m) ?? 0) + dt);
    }
  }
  const busyUs = totalUs - idleUs;
  const pct = (us) => Number(((100 * us) / Math.max(1, busyUs)).toFixed(1));
  const selfByModule = new Map();
  const byFunction = new Map();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id).callFrame;
    const m = moduleOf(frame);
    selfByModule.set(m, (selfByModule.get(m) ?? 0) + us);
    const file = frame.url ? `${frame.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName || '(anonymous)'} ${file}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  const ranked = (map) => [...map].sort((a, b) => b[1] - a[1]).slice(0, top);
  return {
    profiledSeconds: Number((totalUs / 1e6).toFixed(1)),
    busySeconds: Number((busyUs / 1e6).toFixed(1)),
    selfTimeByModulePct: Object.fromEntries(ranked(selfByModule).map(([m, us]) => [m, pct(us)])),
    onStackByModulePct: Object.fromEntries(ranked(onStackUs).map(([m, us]) => [m, pct(us)])),
    hottestFunctionsPct: ranked(byFunction).map(([f, us]) => ({ function: f, selfPct: pct(us) })),
  };
}

export function profilesIn(path) {
  const files = statSync(path).isDirectory() ? readdirSync(path).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(path, f)) : [path];
  return files.map((file) => ({ file, pid: Number(basename(file).split('.')[3]) || null }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const target = process.argv[2];
  if (!target) {
    console.error('usage: node tools/bench/cpu-profile.mjs <file.cpuprofile | directory>');
    process.exit(2);
  }
  for (const { file } of profilesIn(target)) {
    console.log(`\n${file}`);
    console.log(JSON.stringify(summariseProfile(JSON.parse(readFileSync(file, 'utf8'))), null, 2));
  }
}
