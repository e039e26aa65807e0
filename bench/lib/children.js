// Starts and stops the benchmark servers, one child process each.
'use strict';

const { fork } = require('node:child_process');
const path = require('node:path');

const SERVER = path.join(__dirname, '..', 'server.js');

/**
 * Forks bench/server.js with `config` and resolves once it listens. With `profileDir`, the child
 * runs under `node --cpu-prof` and writes `<name>.cpuprofile` there when stopped.
 */
function startServer(name, config, { profileDir } = {}) {
  const env = { ...process.env, NODE_ENV: 'production', BENCH_SERVER: JSON.stringify(config) };
  delete env.DEBUG; // logging off, as in production, unless BENCH_DEBUG names namespaces to watch
  if (process.env.BENCH_DEBUG) env.DEBUG = process.env.BENCH_DEBUG;
  const execArgv = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}.${Date.now()}.cpuprofile`] : [];
  const child = fork(SERVER, [], { env, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${name} did not start within 15 s`)), 15_000);
    const fail = (err) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    child.once('exit', (code) => fail(new Error(`${name} exited with code ${code} before listening`)));
    child.once('message', (message) => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      const url = `http://127.0.0.1:${message.port}`;
      resolve({ name, pid: child.pid, url, stop: () => stopChild(child) });
    });
  });
}

/** Asks the child to exit cleanly (so a CPU profile is written); kills it after 10 s. */
function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    if (child.connected) child.send({ cmd: 'exit' });
    else child.kill('SIGTERM');
  });
}

module.exports = { startServer };
