// `npm run bench`: express-wopi (built dist/) against the baselines that stand for the limit,
// each server in its own child process, alternating A B A B over several rounds. Prints a
// Markdown table and writes it to bench/results/latest.md (and latest.json). See bench/README.md.
//
//   node bench/run.js [--quick] [--only=cfi,get,put,lock,redis,session,scaling,rss] [--profile[=dir]]
'use strict';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { createHash, randomBytes } = require('node:crypto');
const { startServer } = require('./lib/children');
const { prepareFiles, removeFiles, scalingFolder, growFolder, sizeName, MiB, SESSION_BYTES } = require('./lib/setup');
const { runSessions, OPERATIONS } = require('./lib/session');
const { load, lockUnlockRequests } = require('./lib/load');
const { download, upload, repeat, newAgent } = require('./lib/transfer');
const { readMemory, resetPeak, sampleRss, procAvailable } = require('./lib/rss');
const { median } = require('./lib/stats');
const { renderMarkdown } = require('./lib/report');

const SCENARIOS = ['cfi', 'get', 'put', 'lock', 'redis', 'session', 'scaling', 'rss'];
const MODES = {
  full: {
    loadRounds: 5,
    loadSeconds: 3,
    warmSeconds: 1,
    transferRounds: 12,
    transferSeconds: 0.5,
    connections: 10,
    sizes: { tiny: 100 * 1024, small: MiB, medium: 100 * MiB, large: 1024 * MiB },
    sessions: 10,
    sessionRounds: 5,
    sessionSeconds: 3,
    scalingCounts: [10, 10_000, 100_000],
    rssWarmups: 5,
    rssSettleMs: 500,
  },
  quick: {
    loadRounds: 1,
    loadSeconds: 0.75,
    warmSeconds: 0.25,
    transferRounds: 2,
    transferSeconds: 0.25,
    connections: 10,
    sizes: { tiny: 100 * 1024, small: MiB, medium: 100 * MiB, large: 128 * MiB },
    sessions: 10,
    sessionRounds: 1,
    sessionSeconds: 0.75,
    scalingCounts: [10, 10_000],
    rssWarmups: 2,
    rssSettleMs: 200,
  },
};
const SECRET = randomBytes(32).toString('hex');
const PUT_LOCK = 'bench-put-lock';
const RSS_LIMIT = 32 * MiB;
/** How much more the 1 GiB transfer's peak may be than the 100 MiB one's: "does not grow with size". */
const RSS_GROWTH_TOLERANCE = 8 * MiB;

const args = parseArgs(process.argv.slice(2));
const mode = args.quick ? 'quick' : 'full';
const settings = MODES[mode];
const only = new Set(args.only ? args.only.split(',') : SCENARIOS);
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const redisPrefix = `express-wopi-bench:${process.pid}-${randomBytes(3).toString('hex')}:`;
const profileDir =
  args.profile === undefined
    ? undefined
    : path.resolve(args.profile === true ? fs.mkdtempSync(path.join(os.tmpdir(), 'express-wopi-profiles-')) : args.profile);

const servers = [];
let files;
let dist;

/**
 * A baseline server's config: express-wopi loaded (an unused router), so that the baseline's heap
 * is the wopi server's and a ratio measures the work per request, not V8's handling of a
 * near-empty heap (bench/server.js).
 */
const baseline = (config) => ({ ...config, loadLibrary: dist, libraryRoot: files.root, secret: SECRET });

async function main() {
  for (const name of only) if (!SCENARIOS.includes(name)) throw new Error(`--only: unknown scenario ${name} (${SCENARIOS.join(', ')})`);
  dist = snapshotDist();
  const started = Date.now();
  const { sizes } = settings;
  const report = { meta: machine(mode, settings), rows: [], rss: [], targets: [], rounds: [], notes: [] };
  log(
    `express-wopi bench (${mode}): ${settings.loadRounds} load round(s), ${settings.transferRounds} transfer rounds; files in ${os.tmpdir()}`,
  );

  files = await prepareFiles({
    dist,
    dataSizes: only.has('rss') ? [sizes.tiny, sizes.small, sizes.medium, sizes.large] : [sizes.tiny, sizes.small, sizes.medium],
    lockFiles: settings.connections,
    sessionFiles: only.has('session') ? settings.sessions : 0,
    secret: SECRET,
  });
  const base = { dist, root: files.root, secret: SECRET, maxFileSize: 4 * 1024 * MiB };

  // Every comparison gets fresh server processes on both sides, so that no side carries the heap
  // and JIT state of an earlier scenario (see docs/performance.md, "Process history").
  const wopiConfig = { kind: 'wopi', ...base };
  if (only.has('cfi')) {
    await withServers(
      [
        ['wopi-cfi', wopiConfig, true],
        ['bare-json', baseline({ kind: 'bare-json' })],
        ['wopi-cfi-nocache', { ...wopiConfig, tokenCache: false }, true],
        ['bare-stat', baseline({ kind: 'bare-stat', file: path.join(files.root, files.info.name) })],
      ],
      ([wopi, bare, wopiNoCache, bareStat]) => checkFileInfo(report, wopi, bare, wopiNoCache, bareStat),
    );
  }
  if (only.has('lock')) {
    await withServers(
      [
        ['wopi-lock', wopiConfig, true],
        ['bare-json', baseline({ kind: 'bare-json' })],
      ],
      ([wopi, bare]) => lockPairs(report, 'MemoryLockStore', wopi, bare, 'bare JSON route'),
    );
  }
  if (only.has('get')) {
    for (const size of [sizes.tiny, sizes.small, sizes.medium]) {
      await withServers(
        [
          [`wopi-get-${sizeName(size).replace(' ', '')}`, wopiConfig, true],
          ['static', baseline({ kind: 'static', root: files.root })],
          ['static-fresh', { kind: 'static', root: files.root }],
        ],
        ([wopi, stat, statFresh]) => getFile(report, wopi, stat, size, statFresh),
      );
    }
  }
  if (only.has('put')) {
    for (const size of [sizes.tiny, sizes.small, sizes.medium]) {
      await withServers(
        [
          [`wopi-put-${sizeName(size).replace(' ', '')}`, wopiConfig, true],
          ['bare-put', baseline({ kind: 'bare-put', root: files.root })],
          ['bare-put-fresh', { kind: 'bare-put', root: files.root }],
        ],
        ([wopi, barePut, barePutFresh]) => putFile(report, wopi, barePut, size, barePutFresh),
      );
    }
  }
  if (only.has('redis')) {
    const problem = await redisProblem(redisUrl);
    if (problem) {
      report.notes.push(`Lock + Unlock with RedisLockStore skipped: no Redis at ${redisUrl} (${problem}). Set REDIS_URL to include it.`);
      log(`redis: skipped (${problem})`);
    } else {
      await withServers(
        [
          ['wopi-redis', { kind: 'wopi', ...base, redisUrl, redisPrefix }, true],
          ['bare-redis', baseline({ kind: 'bare-redis', redisUrl, redisPrefix })],
        ],
        ([wopi, bare]) => lockPairs(report, 'RedisLockStore', wopi, bare, 'bare route + 1 Redis round trip'),
      );
      await deleteRedisKeys(redisUrl, redisPrefix);
    }
  }
  if (only.has('session')) {
    const bareDocs = bareSessionDocuments();
    const bareConfig = baseline({
      kind: 'bare-session',
      root: files.root,
      files: Object.fromEntries(bareDocs.map((d) => [d.fileId, d.name])),
    });
    await withServers(
      [
        ['wopi-session', wopiConfig, true],
        ['bare-session', bareConfig],
      ],
      ([wopi, bare]) => editorSessions(report, 'MemoryLockStore', wopi, bare, bareDocs),
    );
    const problem = await redisProblem(redisUrl);
    if (problem) {
      report.notes.push(`Editor sessions with RedisLockStore skipped: no Redis at ${redisUrl} (${problem}). Set REDIS_URL to include it.`);
      log(`session (redis): skipped (${problem})`);
    } else {
      await withServers(
        [
          ['wopi-session-redis', { ...wopiConfig, redisUrl, redisPrefix }, true],
          ['bare-session-redis', { ...bareConfig, redisUrl, redisPrefix }],
        ],
        ([wopi, bare]) => editorSessions(report, 'RedisLockStore', wopi, bare, bareDocs),
      );
      await deleteRedisKeys(redisUrl, redisPrefix);
    }
  }
  if (only.has('scaling')) await scaling(report);
  if (only.has('rss')) {
    if (!procAvailable()) report.notes.push('Peak RSS skipped: /proc is not available on this platform.');
    else await peakRss(report, base);
  }

  evaluateTargets(report);
  report.meta.durationSeconds = Math.round((Date.now() - started) / 1000);
  report.meta.loadAverageAtEnd = os.loadavg()[0];
  const markdown = renderMarkdown(report);
  const resultsDir = path.join(__dirname, 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  fs.writeFileSync(path.join(resultsDir, 'latest.md'), markdown);
  fs.writeFileSync(path.join(resultsDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\n${markdown}`);
  log(`written to bench/results/latest.md in ${report.meta.durationSeconds} s`);
  if (profileDir) log(`CPU profiles in ${profileDir} (summarise with: node bench/profile-summary.js ${profileDir}/<file>.cpuprofile)`);
}

// CheckFileInfo: JwtAuth + FileSystemStorage, a real token, against a bare JSON route. For
// context, in the same rotation: the same server with every token verified in full (the token
// cache off), and the bare route after one fs.stat (the floor for anything that must stat a file).
async function checkFileInfo(report, wopi, bare, wopiNoCache, bareStat) {
  const query = `/files/${files.info.fileId}?access_token=${encodeURIComponent(files.info.token)}`;
  const loadOf = (server, prefix) => (s) =>
    load({ url: `${server.url}${prefix}${query}`, seconds: s, connections: settings.connections, pid: server.pid });
  const NO_CACHE = 'express-wopi, token cache off';
  const BARE_STAT = 'bare JSON route + 1 fs.stat';
  const sides = [
    { key: 'express-wopi', run: loadOf(wopi, '/wopi') },
    { key: 'bare JSON route', run: loadOf(bare, '') },
    { key: NO_CACHE, run: loadOf(wopiNoCache, '/wopi') },
    { key: BARE_STAT, run: loadOf(bareStat, '') },
  ];
  const rounds = await alternate('CheckFileInfo', sides, LOAD);
  const a = summarise(rounds['express-wopi']);
  const b = summarise(rounds['bare JSON route']);
  const c = summarise(rounds[NO_CACHE]);
  const d = summarise(rounds[BARE_STAT]);
  report.rows.push(
    row('CheckFileInfo', 'req/s', a.rps, b.rps, 'bare JSON route', { min: 0.85 }),
    row('CheckFileInfo', 'p50 ms', a.p50, b.p50, 'bare JSON route'),
    row('CheckFileInfo', 'p99 ms', a.p99, b.p99, 'bare JSON route', { max: 2 }),
    row('CheckFileInfo', 'server CPU µs/req', a.cpuUs, b.cpuUs, 'bare JSON route'),
    row('CheckFileInfo', 'main-thread CPU µs/req', a.mainCpuUs, b.mainCpuUs, 'bare JSON route'),
    row('CheckFileInfo', 'req/s', a.rps, d.rps, `${BARE_STAT} (context)`),
    row('CheckFileInfo, token cache off (context)', 'req/s', c.rps, b.rps, 'bare JSON route'),
    row('CheckFileInfo, token cache off (context)', 'server CPU µs/req', c.cpuUs, b.cpuUs, 'bare JSON route'),
    row('bare JSON route + 1 fs.stat (context)', 'req/s', d.rps, b.rps, 'bare JSON route'),
    row('bare JSON route + 1 fs.stat (context)', 'server CPU µs/req', d.cpuUs, b.cpuUs, 'bare JSON route'),
  );
  pushRounds(report, 'CheckFileInfo req/s', pick(rounds, 'express-wopi', 'bare JSON route'), (r) => r.rps);
  pushRounds(report, 'CheckFileInfo p99 ms', pick(rounds, 'express-wopi', 'bare JSON route'), (r) => r.p99);
}

/** The rounds of two sides only, in this order (for pushRounds, which compares the first two). */
function pick(rounds, first, second) {
  return { [first]: rounds[first], [second]: rounds[second] };
}

// Lock + Unlock pairs, each connection on a file of its own, against a bare route getting the
// very same requests.
async function lockPairs(report, storeName, wopi, bare, bareName) {
  const scenario = `Lock + Unlock (${storeName})`;
  const query = (file) => `/files/${file.fileId}?access_token=${encodeURIComponent(file.token)}`;
  const run = (server, prefix) => (s) =>
    load({
      url: server.url,
      seconds: s,
      connections: settings.connections,
      pid: server.pid,
      requests: lockUnlockRequests(files.lock, (file) => `${prefix}${query(file)}`),
    });
  const sides = [
    { key: 'express-wopi', run: run(wopi, '/wopi') },
    { key: bareName, run: run(bare, '') },
  ];
  const rounds = await alternate(scenario, sides, LOAD);
  const a = summarise(rounds['express-wopi']);
  const b = summarise(rounds[bareName]);
  const target = storeName === 'MemoryLockStore' ? { min: 0.7 } : undefined;
  report.rows.push(
    row(scenario, 'req/s', a.rps, b.rps, bareName, target),
    row(scenario, 'p99 ms', a.p99, b.p99, bareName),
    row(scenario, 'server CPU µs/req', a.cpuUs, b.cpuUs, bareName),
  );
  pushRounds(report, `${scenario} req/s`, rounds, (r) => r.rps);
}

// GetFile against express.static of the same file; for context, express.static in a fresh process
// that has not loaded express-wopi.
async function getFile(report, wopi, stat, size, statFresh) {
  const data = files.data.get(size);
  const agents = { wopi: newAgent(), stat: newAgent(), fresh: newAgent() };
  const wopiUrl = `${wopi.url}/wopi/files/${data.fileId}/contents?access_token=${encodeURIComponent(data.token)}`;
  const staticUrl = `${stat.url}/static/${data.name}`;
  const minCount = 1;
  const sides = [
    { key: 'express-wopi', run: (s) => repeat(() => download(agents.wopi, wopiUrl, size), { seconds: s, minCount, pid: wopi.pid }) },
    { key: 'express.static', run: (s) => repeat(() => download(agents.stat, staticUrl, size), { seconds: s, minCount, pid: stat.pid }) },
    {
      key: 'express.static, fresh process',
      run: (s) =>
        repeat(() => download(agents.fresh, `${statFresh.url}/static/${data.name}`, size), { seconds: s, minCount, pid: statFresh.pid }),
    },
  ];
  const scenario = `GetFile ${sizeName(size)}`;
  const rounds = await alternate(scenario, sides, TRANSFER);
  const a = median(rounds['express-wopi'].map((r) => r.mibps));
  const b = median(rounds['express.static'].map((r) => r.mibps));
  const cpu = (key) => median(rounds[key].map((r) => r.cpuMsPerMiB));
  report.rows.push(
    row(scenario, 'MiB/s', a, b, 'express.static', { min: 0.95 }),
    cpuRow(scenario, size, cpu('express-wopi'), cpu('express.static'), 'express.static'),
    row(scenario, 'MiB/s', a, median(rounds['express.static, fresh process'].map((r) => r.mibps)), `${STATIC_FRESH} (context)`),
    cpuRow(scenario, size, cpu('express-wopi'), cpu('express.static, fresh process'), `${STATIC_FRESH} (context)`, { target: false }),
  );
  pushRounds(report, `${scenario} MiB/s`, pick(rounds, 'express-wopi', 'express.static'), (r) => r.mibps);
  for (const agent of Object.values(agents)) agent.destroy();
}

// PutFile (file locked, matching X-WOPI-Lock) against the durable bare route; for context, the
// plain pipe route and the durable route in a fresh process that has not loaded express-wopi.
async function putFile(report, wopi, barePut, size, barePutFresh) {
  const data = files.data.get(size);
  const label = path.basename(data.name, '.bin').replace('data-', '');
  await wopiLock(wopi, data.put, PUT_LOCK);
  const agents = { wopi: newAgent(), durable: newAgent(), pipe: newAgent(), fresh: newAgent() };
  const wopiUrl = `${wopi.url}/wopi/files/${data.put.fileId}/contents?access_token=${encodeURIComponent(data.put.token)}`;
  const putHeaders = { 'X-WOPI-Override': 'PUT', 'X-WOPI-Lock': PUT_LOCK };
  const minCount = 1;
  const sides = [
    {
      key: 'express-wopi',
      run: (s) => repeat(() => upload(agents.wopi, wopiUrl, data.path, size, putHeaders), { seconds: s, minCount, pid: wopi.pid }),
    },
    {
      key: 'durable route',
      run: (s) =>
        repeat(() => upload(agents.durable, `${barePut.url}/durable/put-durable-${label}.bin`, data.path, size, putHeaders), {
          seconds: s,
          minCount,
          pid: barePut.pid,
        }),
    },
    {
      key: 'pipe route',
      run: (s) =>
        repeat(() => upload(agents.pipe, `${barePut.url}/pipe/put-pipe-${label}.bin`, data.path, size, putHeaders), {
          seconds: s,
          minCount,
          pid: barePut.pid,
        }),
    },
    {
      // The durable route again, in a process that has loaded nothing but express: the same I/O,
      // with a near-empty heap that V8 collects more cheaply than any app's (context).
      key: 'durable route, fresh process',
      run: (s) =>
        repeat(() => upload(agents.fresh, `${barePutFresh.url}/durable/put-fresh-${label}.bin`, data.path, size, putHeaders), {
          seconds: s,
          minCount,
          pid: barePutFresh.pid,
        }),
    },
  ];
  const scenario = `PutFile ${sizeName(size)}`;
  const rounds = await alternate(scenario, sides, TRANSFER);
  const m = (key) => median(rounds[key].map((r) => r.mibps));
  const cpu = (key) => median(rounds[key].map((r) => r.cpuMsPerMiB));
  const durable = 'bare durable route (temp + fsync + rename)';
  report.rows.push(
    row(scenario, 'MiB/s', m('express-wopi'), m('durable route'), durable, { min: 0.9 }),
    row(scenario, 'MiB/s', m('express-wopi'), m('pipe route'), 'plain req.pipe(createWriteStream), no fsync (context)'),
    cpuRow(scenario, size, cpu('express-wopi'), cpu('durable route'), durable),
    row(scenario, 'MiB/s', m('express-wopi'), m('durable route, fresh process'), `${FRESH} (context)`),
    cpuRow(scenario, size, cpu('express-wopi'), cpu('durable route, fresh process'), `${FRESH} (context)`, { target: false }),
  );
  pushRounds(report, `${scenario} MiB/s`, pick(rounds, 'express-wopi', 'durable route'), (r) => r.mibps);
  for (const agent of Object.values(agents)) agent.destroy();
}

/**
 * The server CPU row of a transfer: per request for the document sizes (100 KiB, 1 MiB), where
 * the per-request work decides the cost, with the target ≤ 1.25 × the baseline; per MiB for the
 * streaming sizes.
 */
function cpuRow(scenario, size, wopiMsPerMiB, baseMsPerMiB, baselineName, { target = true } = {}) {
  if (size >= settings.sizes.medium) return row(scenario, 'server CPU ms/MiB', wopiMsPerMiB, baseMsPerMiB, baselineName);
  const perRequest = (msPerMiB) => msPerMiB * (size / MiB) * 1000;
  return row(
    scenario,
    'server CPU µs/req',
    perRequest(wopiMsPerMiB),
    perRequest(baseMsPerMiB),
    baselineName,
    target ? { max: 1.25 } : undefined,
  );
}

/** express.static's context twin: a fresh process that has not loaded express-wopi (see bench/README.md). */
const STATIC_FRESH = 'express.static in a fresh process, express-wopi not loaded';

/** The durable route's context twin: a fresh process that has not loaded express-wopi (see bench/README.md). */
const FRESH = 'bare durable route in a fresh process, express-wopi not loaded';

/** The bare session route's documents: copies of the session documents under names of their own. */
function bareSessionDocuments() {
  return files.session.map((doc, i) => {
    const name = `bare-session-${i}.docx`;
    fs.copyFileSync(doc.path, path.join(files.root, name));
    return { name, fileId: `bare${i}`, token: 'none', lockId: doc.lockId };
  });
}

// Editor sessions: `settings.sessions` concurrent sessions, each on a document of its own
// (CheckFileInfo, GetFile, Lock, PutFile and RefreshLock in turn, Unlock), against the bare
// session routes doing the same I/O.
async function editorSessions(report, storeName, wopi, bare, bareDocs) {
  const body = fs.readFileSync(files.session[0].path);
  const scenario = `Editor sessions (${storeName}, ${settings.sessions} concurrent, ${Math.round(SESSION_BYTES / 1000)} KB)`;
  const BARE = 'bare session routes';
  const sides = [
    { key: 'express-wopi', run: (s) => runSessions({ baseUrl: `${wopi.url}/wopi`, docs: files.session, body, seconds: s, pid: wopi.pid }) },
    { key: BARE, run: (s) => runSessions({ baseUrl: bare.url, docs: bareDocs, body, seconds: s, pid: bare.pid }) },
  ];
  const rounds = await alternate(scenario, sides, SESSION);
  const med = (key, pickOne) => median(rounds[key].map(pickOne));
  const bareName = `bare session routes (stat, read, durable write, lock ${storeName === 'RedisLockStore' ? 'in Redis' : 'Map'})`;
  report.rows.push(
    row(
      scenario,
      'sessions/s',
      med('express-wopi', (r) => r.sessionsPerSecond),
      med(BARE, (r) => r.sessionsPerSecond),
      bareName,
      storeName === 'MemoryLockStore' ? { min: 0.8 } : undefined,
    ),
    row(
      scenario,
      'session p99 ms',
      med('express-wopi', (r) => r.sessionP99),
      med(BARE, (r) => r.sessionP99),
      bareName,
    ),
    row(
      scenario,
      'server CPU ms/session',
      med('express-wopi', (r) => r.cpuMsPerSession),
      med(BARE, (r) => r.cpuMsPerSession),
      bareName,
    ),
  );
  for (const op of OPERATIONS) {
    report.rows.push(
      row(
        `${scenario}: ${op}`,
        'p99 ms',
        med('express-wopi', (r) => r.ops[op].p99),
        med(BARE, (r) => r.ops[op].p99),
        bareName,
      ),
    );
  }
  pushRounds(report, `${scenario} sessions/s`, rounds, (r) => r.sessionsPerSecond);
}

// How cost grows with the folder: CheckFileInfo (autocannon) and one session at a time, on a
// FileSystemStorage whose folder holds 10, 10,000 and 100,000 files (empty filler files), a fresh
// server for each count. Compared with the smallest folder.
async function scaling(report) {
  const folder = await scalingFolder(files, { dist, secret: SECRET, sessions: 1 });
  const body = fs.readFileSync(folder.session[0].path);
  const results = [];
  for (const count of settings.scalingCounts) {
    const t0 = performance.now();
    growFolder(folder, count);
    log(`scaling: ${count} files in the folder (${((performance.now() - t0) / 1000).toFixed(1)} s to create)`);
    const config = { kind: 'wopi', dist, root: folder.root, secret: SECRET, maxFileSize: 4 * 1024 * MiB };
    await withServers([[`wopi-scaling-${count}`, config, true]], async ([wopi]) => {
      const url = `${wopi.url}/wopi/files/${folder.info.fileId}?access_token=${encodeURIComponent(folder.info.token)}`;
      const cfi = (s) => load({ url, seconds: s, connections: settings.connections, pid: wopi.pid });
      const session = (s) => runSessions({ baseUrl: `${wopi.url}/wopi`, docs: folder.session, body, seconds: s, pid: wopi.pid });
      await cfi(settings.warmSeconds);
      await session(settings.warmSeconds);
      const cfiRounds = [];
      const sessionRounds = [];
      for (let round = 1; round <= settings.loadRounds; round++) {
        cfiRounds.push(await cfi(settings.loadSeconds));
        sessionRounds.push(await session(settings.sessionSeconds));
        log(
          `scaling ${count} files round ${round}: CheckFileInfo ${describe(cfiRounds.at(-1))}; session ${describe(sessionRounds.at(-1))}`,
        );
      }
      results.push({
        count,
        cfi: summarise(cfiRounds),
        sessionP50: median(sessionRounds.map((r) => r.sessionP50)),
        sessionCpu: median(sessionRounds.map((r) => r.cpuMsPerSession)),
      });
    });
  }
  const [first, ...rest] = results;
  const base = `${first.count.toLocaleString('en-US')} files`;
  for (const r of rest) {
    const scenario = `Scaling: ${r.count.toLocaleString('en-US')} files in the folder`;
    report.rows.push(
      row(scenario, 'CheckFileInfo req/s', r.cfi.rps, first.cfi.rps, base),
      row(scenario, 'CheckFileInfo p99 ms', r.cfi.p99, first.cfi.p99, base),
      row(scenario, 'CheckFileInfo server CPU µs/req', r.cfi.cpuUs, first.cfi.cpuUs, base),
      row(scenario, 'session (one at a time) p50 ms', r.sessionP50, first.sessionP50, base),
      row(scenario, 'server CPU ms/session', r.sessionCpu, first.sessionCpu, base),
    );
  }
}

// Peak RSS of a fresh server process during one transfer, over its idle RSS after a warm-up.
async function peakRss(report, base) {
  const { small, medium, large } = settings.sizes;
  const cases = [
    { server: 'express-wopi', op: 'PutFile', kind: { kind: 'wopi', ...base } },
    { server: 'bare durable route', op: 'PutFile', kind: baseline({ kind: 'bare-put', root: files.root }) },
    { server: 'express-wopi', op: 'GetFile', kind: { kind: 'wopi', ...base } },
    { server: 'express.static', op: 'GetFile', kind: baseline({ kind: 'static', root: files.root }) },
  ];
  let hwmResettable = true;
  for (const c of cases) {
    for (const size of [medium, large]) {
      const server = await start(`rss-${c.kind.kind}-${c.op}-${sizeName(size).replace(' ', '')}`, c.kind, c.server === 'express-wopi');
      const agent = newAgent();
      const transfer = transferFor(c, server, agent, size);
      const warm = transferFor(c, server, agent, small, size);
      if (c.server === 'express-wopi' && c.op === 'PutFile') await wopiLock(server, files.data.get(size).put, PUT_LOCK);
      for (let i = 0; i < settings.rssWarmups; i++) await warm();
      await delay(settings.rssSettleMs);
      const idle = readMemory(server.pid).rss;
      hwmResettable = resetPeak(server.pid) && hwmResettable;
      const sampler = sampleRss(server.pid);
      const t0 = performance.now();
      await transfer();
      const seconds = (performance.now() - t0) / 1000;
      const sampled = sampler.stop();
      const hwm = readMemory(server.pid).hwm;
      const peak = hwmResettable ? Math.max(hwm, sampled) : sampled;
      report.rss.push({ server: c.server, op: c.op, size, idle, peak, delta: peak - idle, mibps: size / MiB / seconds });
      log(`rss: ${c.server} ${c.op} ${sizeName(size)}: idle ${mib(idle)} MiB, peak ${mib(peak)} MiB (+${mib(peak - idle)})`);
      agent.destroy();
      await stopServer(server);
    }
  }
  if (!hwmResettable) report.notes.push('VmHWM could not be reset (clear_refs refused): peaks are the largest VmRSS sample (every 5 ms).');
}

/** One transfer of `size` bytes for case `c`; uploads go to the PutFile target of `targetSize`. */
function transferFor(c, server, agent, size, targetSize = size) {
  const data = files.data.get(size);
  if (c.op === 'GetFile') {
    const url =
      c.server === 'express-wopi'
        ? `${server.url}/wopi/files/${data.fileId}/contents?access_token=${encodeURIComponent(data.token)}`
        : `${server.url}/static/${data.name}`;
    return () => download(agent, url, size);
  }
  const target = files.data.get(targetSize).put;
  const url =
    c.server === 'express-wopi'
      ? `${server.url}/wopi/files/${target.fileId}/contents?access_token=${encodeURIComponent(target.token)}`
      : `${server.url}/durable/${target.name.replace('put-wopi-', 'put-durable-')}`;
  return () => upload(agent, url, data.path, size, { 'X-WOPI-Override': 'PUT', 'X-WOPI-Lock': PUT_LOCK });
}

function evaluateTargets(report) {
  for (const r of report.rows) {
    if (!r.target) continue;
    const pass = r.target.min !== undefined ? r.ratio >= r.target.min : r.ratio <= r.target.max;
    const bound = r.target.min !== undefined ? `≥ ${r.target.min.toFixed(2)}` : `≤ ${r.target.max.toFixed(2)}`;
    r.status = pass ? 'PASS' : 'MISS';
    report.targets.push({
      target: `${r.scenario} ${r.unit}: ${bound} × ${r.baselineName}`,
      measured: r.ratio.toFixed(2),
      status: r.status,
    });
  }
  for (const op of ['PutFile', 'GetFile']) {
    const mine = report.rss.filter((x) => x.server === 'express-wopi' && x.op === op);
    if (mine.length !== 2) continue;
    const [m, l] = mine;
    const pass = m.delta <= RSS_LIMIT && l.delta <= RSS_LIMIT && l.delta - m.delta <= RSS_GROWTH_TOLERANCE;
    report.targets.push({
      target: `${op} peak RSS over idle: ≤ 32 MiB at ${sizeName(m.size)} and ${sizeName(l.size)}, and not growing with size (≤ +8 MiB)`,
      measured: `+${mib(m.delta)} MiB / +${mib(l.delta)} MiB`,
      status: pass ? 'PASS' : 'MISS',
    });
  }
}

const LOAD = 'load';
const TRANSFER = 'transfer';
const SESSION = 'session';

/**
 * A B A B …: a warm-up pass for every side (`warmSeconds`), then the rounds, each side in the same order. Request
 * rates run `loadRounds` rounds of `loadSeconds` per side; transfers run `transferRounds` short
 * rounds (one or a few transfers per side), so that both sides see the same moments of a machine
 * whose load changes.
 */
async function alternate(scenario, sides, kind) {
  const rounds = { [LOAD]: settings.loadRounds, [TRANSFER]: settings.transferRounds, [SESSION]: settings.sessionRounds }[kind];
  const seconds = { [LOAD]: settings.loadSeconds, [TRANSFER]: settings.transferSeconds, [SESSION]: settings.sessionSeconds }[kind];
  const results = Object.fromEntries(sides.map((s) => [s.key, []]));
  // Transfers too warm up for `warmSeconds`: one transfer was the whole warm-up once, and a
  // 100 KiB save's code was still being compiled in the first rounds (express-wopi at 0.70 to
  // 0.75 × the durable route in rounds 1 to 6, 0.89 to 0.99 × from round 7 on, in one full run).
  for (const side of sides) await side.run(settings.warmSeconds);
  for (let round = 1; round <= rounds; round++) {
    for (const side of sides) {
      const result = await side.run(seconds);
      results[side.key].push(result);
      log(`${scenario} round ${round}: ${side.key} ${describe(result)}`);
    }
  }
  return results;
}

function describe(r) {
  if (r.sessionsPerSecond !== undefined) {
    const ops = OPERATIONS.map((op) => `${op} ${r.ops[op].p99.toFixed(1)}`).join(', ');
    return `${r.sessionsPerSecond.toFixed(1)} sessions/s (${r.sessions}), session p50 ${r.sessionP50.toFixed(1)} ms, p99 ms: ${ops}; server CPU ${r.cpuMsPerSession.toFixed(2)} ms/session`;
  }
  if (r.rps !== undefined) {
    return `${Math.round(r.rps)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, server CPU ${r.cpuUs.toFixed(0)} µs/req (main thread ${r.mainCpuUs.toFixed(0)})`;
  }
  return `${r.mibps.toFixed(0)} MiB/s (${r.count} transfers), server CPU ${r.cpuMsPerMiB.toFixed(2)} ms/MiB`;
}

function summarise(results) {
  return {
    rps: median(results.map((r) => r.rps)),
    p50: median(results.map((r) => r.p50)),
    p99: median(results.map((r) => r.p99)),
    cpuUs: median(results.map((r) => r.cpuUs)),
    mainCpuUs: median(results.map((r) => r.mainCpuUs)),
  };
}

function row(scenario, unit, wopi, baseline, baselineName, target) {
  return { scenario, unit, wopi, baseline, baselineName, ratio: wopi / baseline, target, status: target ? undefined : '' };
}

/** Every round's figure per side, and the per-round ratio of the first side to the second. */
function pushRounds(report, scenario, rounds, pick) {
  const entries = Object.entries(rounds);
  for (const [side, results] of entries) {
    const values = results.map(pick);
    report.rounds.push({ scenario, side, values, median: median(values) });
  }
  const [a, b] = entries.map(([, results]) => results.map(pick));
  const ratios = a.map((value, i) => value / b[i]);
  report.rounds.push({ scenario, side: `ratio ${entries[0][0]} / ${entries[1][0]}`, values: ratios, median: median(ratios) });
}

/** Locks `file` on a WOPI server (PutFile needs the file locked with the lock it sends). */
function wopiLock(server, file, lockId) {
  const url = `${server.url}/wopi/files/${file.fileId}?access_token=${encodeURIComponent(file.token)}`;
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', headers: { 'X-WOPI-Override': 'LOCK', 'X-WOPI-Lock': lockId, 'Content-Length': '0' } },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`LOCK ${file.name}: ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Why Redis cannot be used, or undefined when it answers PING. */
async function redisProblem(url) {
  const { createClient } = require('redis');
  const client = createClient({ url, socket: { connectTimeout: 1000, reconnectStrategy: false } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    await client.quit();
    return undefined;
  } catch (err) {
    client.destroy?.();
    return err?.message || String(err);
  }
}

async function deleteRedisKeys(url, prefix) {
  const { createClient } = require('redis');
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
    const keys = Array.isArray(batch) ? batch : [batch];
    if (keys.length > 0) await client.del(keys);
  }
  await client.quit();
}

/**
 * A copy of the freshly built dist/ that the servers load, so that a rebuild during the run (which
 * empties dist/ first) cannot pull the library from under them. It lives in node_modules/.cache
 * so that its own imports (express, jsonwebtoken, debug) resolve as they do from dist/.
 */
function snapshotDist() {
  const built = path.join(__dirname, '..', 'dist');
  if (!fs.existsSync(path.join(built, 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const copy = path.join(__dirname, '..', 'node_modules', '.cache', 'express-wopi-bench', String(process.pid), 'dist');
  fs.cpSync(built, copy, { recursive: true });
  return copy;
}

/** Starts the servers `[name, config, profiled]`, runs `work(servers)`, and stops them. */
async function withServers(specs, work) {
  const started = [];
  try {
    for (const [name, config, profiled] of specs) started.push(await start(name, config, profiled));
    await work(started);
  } finally {
    for (const server of started) await stopServer(server);
  }
}

async function start(name, config, profiled = false) {
  const server = await startServer(name, config, { profileDir: profiled ? profileDir : undefined });
  servers.push(server);
  return server;
}

async function stopServer(server) {
  servers.splice(servers.indexOf(server), 1);
  await server.stop();
}

async function stopServers() {
  while (servers.length > 0) await stopServer(servers[servers.length - 1]);
}

function machine(modeName, s) {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    mode: modeName,
    cores: cpus.length,
    cpu: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    express: require('express/package.json').version,
    autocannon: require('autocannon/package.json').version,
    loadRounds: s.loadRounds,
    loadSeconds: s.loadSeconds,
    transferRounds: s.transferRounds,
    transferSeconds: s.transferSeconds,
    connections: s.connections,
    sizes: s.sizes,
    tmpdir: os.tmpdir(),
    revision: revision(),
    loadAverageAtStart: os.loadavg()[0],
  };
}

/** The commit benchmarked, marked `+dirty` when the working tree has changes. */
function revision() {
  try {
    const git = (...a) =>
      execFileSync('git', a, {
        cwd: path.join(__dirname, '..'),
        encoding: 'utf8',
        maxBuffer: 64 * MiB,
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    const diff = git('diff', 'HEAD', '--', 'src');
    const dirty = diff ? ` + uncommitted src changes (diff sha1 ${createHash('sha1').update(diff).digest('hex').slice(0, 8)})` : '';
    return `${git('rev-parse', '--short', 'HEAD')}${dirty}`;
  } catch {
    return 'unknown';
  }
}

function parseArgs(argv) {
  const out = {};
  for (const arg of argv) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`unknown argument ${arg}`);
    out[m[1]] = m[2] ?? true;
  }
  for (const key of Object.keys(out)) {
    if (!['quick', 'only', 'profile'].includes(key)) throw new Error(`unknown option --${key}`);
  }
  return out;
}

function mib(bytes) {
  return (bytes / MiB).toFixed(1);
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const t0 = performance.now();
function log(message) {
  process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${message}\n`);
}

async function cleanUp() {
  await stopServers().catch(() => undefined);
  if (files) await removeFiles(files).catch(() => undefined);
  if (dist) {
    fs.rmSync(path.dirname(dist), { recursive: true, force: true });
    try {
      fs.rmdirSync(path.dirname(path.dirname(dist))); // only when no other run is using it
    } catch {
      // not empty, or already gone
    }
  }
}

process.once('SIGINT', () => {
  log('interrupted; cleaning up');
  cleanUp().finally(() => process.exit(130));
});

main()
  .then(cleanUp)
  .catch(async (err) => {
    log(`failed: ${err?.stack ?? err}`);
    await cleanUp();
    process.exit(1);
  });
