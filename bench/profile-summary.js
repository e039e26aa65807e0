// Summarises a V8 CPU profile (`node --cpu-prof`, e.g. from `npm run bench -- --profile`):
// where the busy time went, by package and by function (self and inclusive).
//
//   node bench/profile-summary.js <file.cpuprofile> [--top=N]
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const [file, ...rest] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/profile-summary.js <file.cpuprofile> [--top=N]\n');
  process.exit(2);
}
const top = Number(/^--top=(\d+)$/.exec(rest.find((a) => a.startsWith('--top=')) ?? '')?.[1] ?? 25);
const profile = JSON.parse(fs.readFileSync(file, 'utf8'));

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const selfMs = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
}

const IDLE = new Set(['(idle)', '(program)']);
let busy = 0;
let idle = 0;
const selfByFn = new Map();
const inclusiveByFn = new Map();
const byPackage = new Map();
for (const [id, ms] of selfMs) {
  const node = byId.get(id);
  const name = node.callFrame.functionName || '(anonymous)';
  if (IDLE.has(name)) {
    idle += ms;
    continue;
  }
  busy += ms;
  add(selfByFn, key(node), ms);
  add(byPackage, bucket(node.callFrame.url, name), ms);
  const seen = new Set();
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const k = key(byId.get(at));
    if (seen.has(k)) continue;
    seen.add(k);
    add(inclusiveByFn, k, ms);
  }
}

const pct = (ms) => `${((ms / busy) * 100).toFixed(1).padStart(5)} %`;
const print = (title, map, n) => {
  console.log(`\n${title}`);
  for (const [k, ms] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) {
    console.log(`${ms.toFixed(0).padStart(8)} ms ${pct(ms)}  ${k}`);
  }
};
console.log(`${path.basename(file)}: ${busy.toFixed(0)} ms busy, ${idle.toFixed(0)} ms idle or in (program)`);
print('Self time by package', byPackage, 20);
print(`Self time, top ${top} functions`, selfByFn, top);
print(`Inclusive time, top ${top} functions`, inclusiveByFn, top);

function key(node) {
  const { functionName, url, lineNumber } = node.callFrame;
  return `${functionName || '(anonymous)'} ${shortUrl(url)}${url ? `:${lineNumber + 1}` : ''}`;
}

function shortUrl(url) {
  if (!url) return '';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(url);
  if (m && m[1] !== '.cache') return `${m[1]}/${m[2]}`;
  const d = /\/dist\/(.*)$/.exec(url);
  if (d) return `express-wopi/${d[1]}`;
  return url.replace(/^file:\/\//, '');
}

function bucket(url, name) {
  if (!url) return name.startsWith('(') ? name : '(native)';
  if (url.startsWith('node:')) return 'node: internals';
  if (/\/dist\//.test(url)) return 'express-wopi (dist)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (m) return m[1];
  return shortUrl(url);
}

function add(map, k, ms) {
  map.set(k, (map.get(k) ?? 0) + ms);
}
