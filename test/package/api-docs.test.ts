/**
 * `npm run docs` builds the API reference (typedoc, configured by typedoc.json) without a single
 * warning: every `{@link}` resolves, and every type a public declaration refers to is itself
 * exported from an entry point. typedoc.json sets `treatWarningsAsErrors`, so a warning fails the
 * command; this runs the same check with `--emit none` (nothing is written, docs-api/ untouched).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const REPO = path.join(__dirname, '..', '..');
const TYPEDOC = path.join(REPO, 'node_modules', 'typedoc', 'bin', 'typedoc');

interface Outcome {
  code: number;
  output: string;
}

async function typedoc(args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [TYPEDOC, ...args], {
      cwd: REPO,
      timeout: 60_000,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', NODE_OPTIONS: '' },
    });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as Error & { code?: number; stdout?: string; stderr?: string };
    const output = `${e.stdout ?? ''}${e.stderr ?? ''}`;
    return { code: typeof e.code === 'number' ? e.code : 1, output: output === '' ? e.message : output };
  }
}

describe('the API reference (npm run docs)', () => {
  test('package.json runs typedoc, configured for the four entry points, warnings as errors', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.docs).toBe('typedoc');
    const config = JSON.parse(readFileSync(path.join(REPO, 'typedoc.json'), 'utf8')) as {
      entryPoints: string[];
      out: string;
      treatWarningsAsErrors: boolean;
    };
    expect(config.entryPoints).toStrictEqual(['src/index.ts', 'src/discovery/index.ts', 'src/proof-keys/index.ts', 'src/testing/index.ts']);
    expect(config.treatWarningsAsErrors).toBe(true);
    const ignored = readFileSync(path.join(REPO, '.gitignore'), 'utf8').split('\n');
    expect(ignored).toContain(`${config.out.replace(/\/$/, '')}/`);
  });

  test('typedoc reports no warning and no error', async () => {
    const { code, output } = await typedoc(['--emit', 'none', '--logLevel', 'Warn']);
    // At log level Warn a clean run prints nothing: whatever it prints is a problem, shown whole.
    expect({ code, output: output.trim() }).toStrictEqual({ code: 0, output: '' });
  }, 60_000);
});
