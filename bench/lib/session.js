// Editor sessions: what an editor does with one document from opening to closing it. Each
// concurrent worker runs sessions back to back on a document of its own, over one keep-alive
// connection: CheckFileInfo, GetFile, Lock, then PutFile and RefreshLock in turn (PUTS saves of
// the whole document), Unlock. Every request's latency is recorded per operation.
'use strict';

const http = require('node:http');
const { readCpu } = require('./cpu');
const { percentile } = require('./stats');

/** The saves (PutFile) in one session, with a RefreshLock between each two. */
const PUTS = 3;
const OPERATIONS = ['CheckFileInfo', 'GetFile', 'Lock', 'RefreshLock', 'PutFile', 'Unlock'];

/**
 * Runs sessions for `seconds` with one worker per document in `docs` (each { fileId, token,
 * lockId }), against `baseUrl` + `/files/<id>…`. `body` is the content every PutFile sends.
 * Resolves with { sessionsPerSecond, sessions, sessionP50, sessionP99, ops: { <op>: { p50, p99 } },
 * cpuMsPerSession } (the last from process `pid`). Any non-2xx answer rejects.
 */
async function runSessions({ baseUrl, docs, body, seconds, pid }) {
  const latencies = Object.fromEntries(OPERATIONS.map((op) => [op, []]));
  const sessionTimes = [];
  const cpuBefore = readCpu(pid);
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    docs.map(async (doc) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        do {
          const t0 = performance.now();
          await oneSession(agent, baseUrl, doc, body, latencies);
          sessionTimes.push(performance.now() - t0);
        } while (performance.now() < deadline);
      } finally {
        agent.destroy();
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  const cpuAfter = readCpu(pid);
  const ops = {};
  for (const op of OPERATIONS) {
    const sorted = latencies[op].sort((a, b) => a - b);
    ops[op] = { p50: percentile(sorted, 50), p99: percentile(sorted, 99), count: sorted.length };
  }
  sessionTimes.sort((a, b) => a - b);
  return {
    sessionsPerSecond: sessionTimes.length / elapsed,
    sessions: sessionTimes.length,
    sessionP50: percentile(sessionTimes, 50),
    sessionP99: percentile(sessionTimes, 99),
    ops,
    cpuMsPerSession: cpuBefore && cpuAfter ? ((cpuAfter.process - cpuBefore.process) * 1000) / sessionTimes.length : NaN,
  };
}

async function oneSession(agent, baseUrl, doc, body, latencies) {
  const file = `${baseUrl}/files/${doc.fileId}?access_token=${encodeURIComponent(doc.token)}`;
  const contents = `${baseUrl}/files/${doc.fileId}/contents?access_token=${encodeURIComponent(doc.token)}`;
  const timed = async (op, ...args) => {
    const t0 = performance.now();
    await request(agent, ...args);
    latencies[op].push(performance.now() - t0);
  };
  const lockHeaders = (override) => ({ 'X-WOPI-Override': override, 'X-WOPI-Lock': doc.lockId, 'Content-Length': '0' });
  await timed('CheckFileInfo', 'GET', file);
  await timed('GetFile', 'GET', contents);
  await timed('Lock', 'POST', file, lockHeaders('LOCK'));
  for (let i = 0; i < PUTS; i++) {
    if (i > 0) await timed('RefreshLock', 'POST', file, lockHeaders('REFRESH_LOCK'));
    await timed(
      'PutFile',
      'POST',
      contents,
      {
        'X-WOPI-Override': 'PUT',
        'X-WOPI-Lock': doc.lockId,
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(body.length),
      },
      body,
    );
  }
  await timed('Unlock', 'POST', file, lockHeaders('UNLOCK'));
}

/** One request; resolves once the whole response is read, rejects on a non-2xx status. */
function request(agent, method, url, headers = {}, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => {
        if (res.statusCode >= 300) chunks.push(chunk);
      });
      res.on('end', () => {
        if (res.statusCode >= 200 && res.statusCode < 300) resolve();
        else {
          const override = headers['X-WOPI-Override'] ?? '';
          reject(
            new Error(
              `${method} ${override} ${url.replace(/access_token=[^&]*/, 'access_token=…')}: ${res.statusCode} ${Buffer.concat(chunks).toString().slice(0, 200)}`,
            ),
          );
        }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

module.exports = { runSessions, OPERATIONS, PUTS };
