// Large transfers with node:http, streaming from and to files: autocannon buffers whole
// responses and sends bodies from memory, which is not how an editor moves 100 MB. Each
// transfer is timed from the request to the last byte of the response.
'use strict';

const fs = require('node:fs');
const http = require('node:http');
const { pipeline } = require('node:stream/promises');
const { readCpu } = require('./cpu');

/** Downloads `url`, discarding the bytes; resolves with the byte count (checked against `expectBytes`). */
function download(agent, url, expectBytes) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent }, (res) => {
      let bytes = 0;
      res.on('data', (chunk) => {
        bytes += chunk.length;
      });
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`GET ${url}: status ${res.statusCode}`));
        else if (bytes !== expectBytes) reject(new Error(`GET ${url}: ${bytes} bytes, expected ${expectBytes}`));
        else resolve(bytes);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** POSTs the file at `source` (`bytes` long) to `url`, streamed; resolves with `bytes` once answered 2xx. */
async function upload(agent, url, source, bytes, headers = {}) {
  const req = http.request(url, {
    method: 'POST',
    agent,
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes), ...headers },
  });
  const answered = new Promise((resolve, reject) => {
    req.on('response', (res) => {
      const body = [];
      res.on('data', (chunk) => body.push(chunk));
      res.on('end', () => {
        if (res.statusCode >= 200 && res.statusCode < 300) resolve(bytes);
        else reject(new Error(`POST ${url}: status ${res.statusCode} ${Buffer.concat(body).toString().slice(0, 200)}`));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  answered.catch(() => undefined); // awaited below
  try {
    await pipeline(fs.createReadStream(source), req);
  } catch (err) {
    await answered; // a refusal (status and body) explains more than the broken pipe
    throw err;
  }
  return answered;
}

/**
 * Repeats `once()` back to back (one connection) until `seconds` have passed and at least
 * `minCount` transfers are done. Resolves with { mibps, count, seconds, cpuMsPerMiB }: bytes
 * moved over the time spent in transfers, and the CPU time server process `pid` spent per MiB.
 */
async function repeat(once, { seconds, minCount = 1, pid }) {
  const cpuBefore = readCpu(pid);
  const start = performance.now();
  let bytes = 0;
  let busy = 0;
  let count = 0;
  while (count < minCount || performance.now() - start < seconds * 1000) {
    const t0 = performance.now();
    bytes += await once();
    busy += performance.now() - t0;
    count++;
  }
  const cpuAfter = readCpu(pid);
  const mib = bytes / (1024 * 1024);
  const cpuMsPerMiB = cpuBefore && cpuAfter ? ((cpuAfter.process - cpuBefore.process) * 1000) / mib : NaN;
  return { mibps: mib / (busy / 1000), count, seconds: busy / 1000, cpuMsPerMiB };
}

function newAgent() {
  return new http.Agent({ keepAlive: true, maxSockets: 1 });
}

module.exports = { download, upload, repeat, newAgent };
