// CPU time a server spent, from /proc (Linux): the whole process (every thread, including the
// libuv thread pool that runs file system calls) and its main (JavaScript) thread alone. Unlike
// requests per second, CPU time per request barely moves when other processes compete for the
// cores, so it is the steadier figure on a busy machine.
'use strict';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');

let ticksPerSecond;

/** { process, main } CPU seconds (user + system) used so far, or undefined without /proc. */
function readCpu(pid) {
  try {
    ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const ticks = (file) => {
      // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
      const fields = fs
        .readFileSync(file, 'utf8')
        .replace(/^.*\) /s, '')
        .split(' ');
      return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
    };
    return { process: ticks(`/proc/${pid}/stat`), main: ticks(`/proc/${pid}/task/${pid}/stat`) };
  } catch {
    return undefined;
  }
}

module.exports = { readCpu };
