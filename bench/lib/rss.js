// Resident memory of a server process, from /proc/<pid>/status (Linux).
'use strict';

const fs = require('node:fs');

/** { rss, hwm } in bytes: VmRSS (now) and VmHWM (peak since start or since the last reset). */
function readMemory(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}

/**
 * Resets VmHWM to the current RSS (`echo 5 > /proc/<pid>/clear_refs`, Linux 4.0+), so that the
 * next VmHWM is the peak of what follows. Returns false when the kernel refuses; the sampled
 * maximum is then the only peak measure.
 */
function resetPeak(pid) {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Samples VmRSS every `intervalMs` until stopped; `stop()` returns the largest sample. */
function sampleRss(pid, intervalMs = 5) {
  let max = readMemory(pid).rss;
  const timer = setInterval(() => {
    max = Math.max(max, readMemory(pid).rss);
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(max, readMemory(pid).rss);
    },
  };
}

function procAvailable() {
  return fs.existsSync(`/proc/${process.pid}/status`);
}

module.exports = { readMemory, resetPeak, sampleRss, procAvailable };
