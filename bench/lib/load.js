// Request/response load with autocannon: requests per second and latency percentiles. Latencies
// are recorded from autocannon's per-response event (sub-millisecond precision; autocannon's own
// histogram rounds to whole milliseconds).
'use strict';

const autocannon = require('autocannon');
const { readCpu } = require('./cpu');
const { percentile } = require('./stats');

/**
 * Runs autocannon against `url` for `seconds` with `connections` keep-alive connections and
 * resolves with { rps, p50, p99, requests, cpuUs, mainCpuUs }: the last two are the CPU time the
 * server (process `pid`) spent per request, all threads and main thread. Any non-2xx answer,
 * error or timeout rejects: a run that measured failures measured the wrong thing.
 */
function load({ url, seconds, connections, pid, method = 'GET', headers, requests }) {
  return new Promise((resolve, reject) => {
    const latencies = [];
    const cpuBefore = readCpu(pid);
    const instance = autocannon({ url, duration: seconds, connections, pipelining: 1, method, headers, requests }, (err, result) => {
      if (err) return reject(err);
      if (result.non2xx || result.errors || result.timeouts) {
        const codes = JSON.stringify(result.statusCodeStats);
        return reject(new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts (${codes})`));
      }
      latencies.sort((a, b) => a - b);
      const cpuAfter = readCpu(pid);
      const perRequest = (key) => (cpuBefore && cpuAfter ? ((cpuAfter[key] - cpuBefore[key]) * 1e6) / latencies.length : NaN);
      resolve({
        cpuUs: perRequest('process'),
        mainCpuUs: perRequest('main'),
        rps: latencies.length / result.duration,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        requests: latencies.length,
      });
    });
    instance.on('response', (_client, statusCode, _resBytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}

/**
 * The Lock + Unlock request pair for autocannon: each connection takes a file of its own from
 * `pool` for LOCK and gives it back after UNLOCK, so no two connections ever work on the same
 * file and every request succeeds. `pathFor(file)` builds the request path.
 */
function lockUnlockRequests(pool, pathFor) {
  const free = [...pool];
  const request = (override) => ({
    method: 'POST',
    setupRequest(req, context) {
      if (override === 'LOCK') context.file = free.pop();
      const file = context.file;
      if (file === undefined) throw new Error('lock pool exhausted: fewer files than connections');
      return {
        ...req,
        path: pathFor(file),
        headers: { 'X-WOPI-Override': override, 'X-WOPI-Lock': file.lockId, 'Content-Length': '0' },
      };
    },
    onResponse(_status, _body, context) {
      if (override === 'UNLOCK') free.push(context.file);
    },
  });
  return [request('LOCK'), request('UNLOCK')];
}

module.exports = { load, lockUnlockRequests };
