// The published package.json has no `prepare` script: consumers install a built package, and
// npm warns about every dependency with an install-time script (`npm warn install-scripts`).
// In a clone, `prepare` stays: `npm install` builds dist/. `prepack` strips it (keeping the
// original beside it), `postpack` puts the original back.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const manifest = path.join(__dirname, '..', 'package.json');
const saved = `${manifest}.prepack`;

const step = process.argv[2];
if (step === 'strip') {
  const text = fs.readFileSync(manifest, 'utf8');
  fs.writeFileSync(saved, text);
  const json = JSON.parse(text);
  delete json.scripts.prepare;
  fs.writeFileSync(manifest, `${JSON.stringify(json, null, 2)}\n`);
} else if (step === 'restore') {
  if (fs.existsSync(saved)) fs.renameSync(saved, manifest);
} else {
  process.stderr.write('usage: node scripts/pack-manifest.js strip|restore\n');
  process.exit(2);
}
