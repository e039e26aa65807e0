// Runs Microsoft's WOPI validator test definitions (../shared/tools/wopi-validator, or
// $WOPI_VALIDATOR) against `express-wopi serve` on a fresh temporary folder holding one empty
// .wopitest file (in a sub-folder). Extra arguments go to the validator, e.g. `npm run validate -- --groups Locks`.
// Needs a build (`npm run build`).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const repo = path.join(__dirname, '..');
const validator = process.env.WOPI_VALIDATOR ?? path.join(repo, '..', 'shared', 'tools', 'wopi-validator', 'run.mjs');
if (!fs.existsSync(validator)) {
  process.stderr.write(`WOPI validator not found at ${validator} (set WOPI_VALIDATOR)\n`);
  process.exit(2);
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'express-wopi-validator-'));
// In a sub-folder: the container groups create, rename and delete folders in the test file's
// folder, and RenameContainer runs only when the user may rename that folder (the root keeps its name).
fs.mkdirSync(path.join(dir, 'validator'));
fs.writeFileSync(path.join(dir, 'validator', 'validator.wopitest'), '');
const cli = path.join(repo, 'dist', 'cli', 'main.js');
const server = `node ${JSON.stringify(cli)} serve ${JSON.stringify(dir)} --json --port 0 ${process.env.WOPI_SERVE_ARGS ?? ''}`;
const result = spawnSync(process.execPath, [validator, '--server', server, ...process.argv.slice(2)], { stdio: 'inherit' });
fs.rmSync(dir, { recursive: true, force: true });
process.exit(result.status ?? 1);
