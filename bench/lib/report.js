// The benchmark report as Markdown.
'use strict';

const MiB = 1024 * 1024;

function renderMarkdown(report) {
  const { meta } = report;
  const out = [];
  out.push(`# express-wopi benchmark (${meta.mode})`, '');
  out.push(`- Date: ${meta.date}`);
  out.push(`- Machine: ${meta.cores} cores, ${meta.cpu}, ${meta.memoryGiB} GiB RAM, ${meta.os}`);
  out.push(
    `- Node ${meta.node}, Express ${meta.express}, autocannon ${meta.autocannon}; every server in its own process, files in ${meta.tmpdir}`,
  );
  out.push(
    '- Method: each comparison runs a warm-up pass per side, then alternates the sides (A B A B …); the table quotes medians over rounds and the ratio of the medians. ' +
      `Request rates: autocannon, ${meta.connections} connections, ${meta.loadRounds} round(s) of ${meta.loadSeconds} s per side. ` +
      `Transfers: node:http on one keep-alive connection, streaming from or to a file, ${meta.transferRounds} rounds of at least one transfer and ${meta.transferSeconds} s per side.`,
  );
  out.push(
    `- Commit: ${meta.revision}; run time ${meta.durationSeconds} s; 1-minute load average ${meta.loadAverageAtStart.toFixed(2)} at start, ${meta.loadAverageAtEnd.toFixed(2)} at end`,
    '',
  );

  if (report.rows.length > 0) {
    out.push('| Scenario | Unit | express-wopi | Baseline | Baseline value | Ratio | Target | Result |');
    out.push('| --- | --- | ---: | --- | ---: | ---: | --- | --- |');
    for (const r of report.rows) {
      const target = r.target ? (r.target.min !== undefined ? `≥ ${r.target.min.toFixed(2)}` : `≤ ${r.target.max.toFixed(2)}`) : '';
      out.push(
        `| ${r.scenario} | ${r.unit} | ${num(r.wopi)} | ${r.baselineName} | ${num(r.baseline)} | ${r.ratio.toFixed(2)} | ${target} | ${r.status ?? ''} |`,
      );
    }
    out.push('');
  }

  if (report.rss.length > 0) {
    out.push(
      'Peak RSS of the server process during one transfer (fresh process, idle measured after a warm-up; peak = VmHWM reset before the transfer, and VmRSS sampled every 5 ms):',
      '',
    );
    out.push('| Server | Operation | Size | Idle MiB | Peak MiB | Peak − idle MiB | MiB/s |');
    out.push('| --- | --- | --- | ---: | ---: | ---: | ---: |');
    for (const x of report.rss) {
      out.push(
        `| ${x.server} | ${x.op} | ${sizeName(x.size)} | ${mib(x.idle)} | ${mib(x.peak)} | +${mib(x.delta)} | ${x.mibps.toFixed(0)} |`,
      );
    }
    out.push('');
  }

  if (report.targets.length > 0) {
    out.push('## Targets', '');
    out.push('| Target | Measured | Result |');
    out.push('| --- | --- | --- |');
    for (const t of report.targets) out.push(`| ${t.target} | ${t.measured} | ${t.status} |`);
    out.push('');
  }

  if (report.notes.length > 0) {
    out.push('## Notes', '');
    for (const note of report.notes) out.push(`- ${note}`);
    out.push('');
  }

  if (report.rounds.length > 0) {
    const n = Math.max(...report.rounds.map((r) => r.values.length));
    out.push('## Rounds', '');
    out.push(`| Scenario | Side | ${Array.from({ length: n }, (_, i) => `Round ${i + 1}`).join(' | ')} | Median |`);
    out.push(`| --- | --- | ${Array.from({ length: n }, () => '---:').join(' | ')} | ---: |`);
    for (const r of report.rounds) {
      const cells = Array.from({ length: n }, (_, i) => (i < r.values.length ? num(r.values[i]) : ''));
      out.push(`| ${r.scenario} | ${r.side} | ${cells.join(' | ')} | ${num(r.median)} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

/** 12,345 for large values, 3 significant digits below 100. */
function num(value) {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toPrecision(3);
}

function mib(bytes) {
  return (bytes / MiB).toFixed(1);
}

function sizeName(bytes) {
  if (bytes >= 1024 * MiB && bytes % (1024 * MiB) === 0) return `${bytes / (1024 * MiB)} GiB`;
  if (bytes < MiB) return `${Math.round(bytes / 1024)} KiB`;
  return `${Math.round(bytes / MiB)} MiB`;
}

module.exports = { renderMarkdown };
