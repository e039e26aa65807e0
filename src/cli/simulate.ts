/**
 * `express-wopi simulate <WOPISrc> --token T --editor onlyoffice|collabora|microsoft`: plays one
 * editor's whole session against any WOPI host and prints one line per check, then
 * `N passed, N failed`. Exit code 0 when nothing failed, 1 when something did, 2 for a usage
 * error. The access tokens are never printed.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatCheck, formatSummary, type SimulationCheck } from '../simulator/checks';
import { EDITOR_NAMES, isEditorName } from '../simulator/profiles';
import { WopiProofSigner, type ProofSigningKeys } from '../simulator/proof';
import { simulateSession } from '../simulator/session';

/** The command's part of the CLI usage text (without the `Usage:` heading). */
export const SIMULATE_USAGE = `  express-wopi simulate <WOPISrc> --token T --editor E [options]   play one editor's whole session
                            against a WOPI host and check every answer (E: onlyoffice, collabora, microsoft)
      --token T             access token that may write the file (default: $WOPI_ACCESS_TOKEN)
      --second-token T      a second user's token, for the join (default: the same token)
      --json                print JSON lines: one "check" event per check, then one "summary" event
      --proof-key PEM       sign every request with this RSA private key (X-WOPI-Proof)
      --proof-old-key PEM   sign X-WOPI-ProofOld with this one (default: the --proof-key)
      --print-proof-key     print the discovery <proof-key> element for these keys, and exit
      --keep-alive N        keep-alive requests to send (default 1)
      --keep-alive-interval MS  wait between them (default 0; the editors wait 10 or 15 minutes)
      --timeout MS          per request (default 30000)
      --no-cleanup          leave the saved content, the new name and the Save As copy in place
`;

/** Where the command writes, and its environment. */
export interface SimulateCommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

class UsageError extends Error {}

/**
 * Runs `express-wopi simulate` with the arguments after the command name. Resolves with the exit
 * code: 0 all checks passed, 1 a check failed, 2 usage error.
 */
export async function runSimulateCommand(args: string[], io: SimulateCommandIo): Promise<number> {
  let parsed: ParsedArgs;
  try {
    parsed = parse(args, io.env);
  } catch (err) {
    if (err instanceof UsageError || isParseArgsError(err)) {
      io.stderr.write(`express-wopi: ${(err as Error).message}\n\nUsage:\n${SIMULATE_USAGE}`);
      return 2;
    }
    throw err;
  }
  if (parsed.help) {
    io.stdout.write(`Usage:\n${SIMULATE_USAGE}`);
    return 0;
  }
  if (parsed.printProofKey) {
    const element = (parsed.signer as WopiProofSigner).proofKeyElement();
    io.stdout.write(parsed.json ? `${JSON.stringify({ event: 'proof-key', element })}\n` : `${element}\n`);
    return 0;
  }

  const secrets = [parsed.token, parsed.secondToken].filter((s): s is string => s !== undefined && s !== '');
  const redact = (line: string): string => secrets.reduce((text, secret) => text.split(secret).join('***'), line);
  const print = (check: SimulationCheck): void => {
    if (parsed.json) {
      const { phase, id, status, message, operation, httpStatus } = check;
      io.stdout.write(`${JSON.stringify({ event: 'check', phase, id, status, operation, httpStatus, message: redact(message) })}\n`);
    } else {
      io.stdout.write(`${redact(formatCheck(check))}\n`);
    }
  };

  let report: Awaited<ReturnType<typeof simulateSession>>;
  try {
    report = await simulateSession({
      wopiSrc: parsed.wopiSrc,
      accessToken: parsed.token,
      editor: parsed.editor,
      ...(parsed.secondToken === undefined ? {} : { secondAccessToken: parsed.secondToken }),
      ...(parsed.proofKeys === undefined ? {} : { proofKeys: parsed.proofKeys }),
      keepAlive: { count: parsed.keepAliveCount, intervalMs: parsed.keepAliveIntervalMs },
      cleanup: parsed.cleanup,
      timeoutMs: parsed.timeoutMs,
      onCheck: print,
    });
  } catch (err) {
    io.stderr.write(`${redact(`express-wopi: the simulation stopped: ${(err as Error).message}`)}\n`);
    return 1;
  }
  if (parsed.json) {
    const { editor, ok, passed, failed, warnings, skipped } = report;
    io.stdout.write(`${JSON.stringify({ event: 'summary', editor, ok, passed, failed, warnings, skipped })}\n`);
  } else {
    io.stdout.write(`${formatSummary(report)}\n`);
  }
  return report.ok ? 0 : 1;
}

interface ParsedArgs {
  help: boolean;
  json: boolean;
  printProofKey: boolean;
  wopiSrc: string;
  token: string;
  secondToken: string | undefined;
  editor: (typeof EDITOR_NAMES)[number];
  proofKeys: ProofSigningKeys | undefined;
  signer: WopiProofSigner | undefined;
  keepAliveCount: number;
  keepAliveIntervalMs: number;
  timeoutMs: number;
  cleanup: boolean;
}

function parse(args: string[], env: NodeJS.ProcessEnv): ParsedArgs {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      token: { type: 'string' },
      'second-token': { type: 'string' },
      editor: { type: 'string' },
      json: { type: 'boolean', default: false },
      'proof-key': { type: 'string' },
      'proof-old-key': { type: 'string' },
      'print-proof-key': { type: 'boolean', default: false },
      'keep-alive': { type: 'string' },
      'keep-alive-interval': { type: 'string' },
      timeout: { type: 'string' },
      'no-cleanup': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const base = {
    help: values.help,
    json: values.json,
    printProofKey: values['print-proof-key'],
  };
  if (values['proof-old-key'] !== undefined && values['proof-key'] === undefined) throw new UsageError('--proof-old-key needs --proof-key');
  let proofKeys: ProofSigningKeys | undefined;
  let signer: WopiProofSigner | undefined;
  if (values['proof-key'] !== undefined) {
    proofKeys = { current: readPem('--proof-key', values['proof-key']) };
    if (values['proof-old-key'] !== undefined) proofKeys.old = readPem('--proof-old-key', values['proof-old-key']);
    try {
      signer = new WopiProofSigner(proofKeys);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  const placeholder = {
    ...base,
    wopiSrc: '',
    token: '',
    secondToken: undefined,
    editor: 'microsoft' as const,
    proofKeys,
    signer,
    keepAliveCount: 1,
    keepAliveIntervalMs: 0,
    timeoutMs: 30_000,
    cleanup: true,
  };
  if (values.help) return placeholder;
  if (values['print-proof-key']) {
    if (signer === undefined) throw new UsageError('--print-proof-key needs --proof-key');
    return placeholder;
  }

  if (positionals.length !== 1) throw new UsageError('simulate takes exactly one WOPISrc');
  const wopiSrc = positionals[0] as string;
  let url: URL;
  try {
    url = new URL(wopiSrc);
  } catch {
    throw new UsageError('the WOPISrc must be an absolute URL, e.g. https://files.example.com/wopi/files/<fileId>');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError('the WOPISrc must be an http or https URL');
  if (url.searchParams.has('access_token')) throw new UsageError('pass the access token with --token, not in the WOPISrc');

  const token = values.token ?? env.WOPI_ACCESS_TOKEN;
  if (token === undefined || token === '') throw new UsageError('simulate needs --token (or $WOPI_ACCESS_TOKEN)');
  const editor = values.editor;
  if (editor === undefined) throw new UsageError(`simulate needs --editor (${EDITOR_NAMES.join(', ')})`);
  if (!isEditorName(editor)) throw new UsageError(`unknown editor "${editor}": use ${EDITOR_NAMES.join(', ')}`);
  const secondToken = values['second-token'];
  if (secondToken === '') throw new UsageError('--second-token must not be empty');

  return {
    ...placeholder,
    wopiSrc,
    token,
    secondToken,
    editor,
    keepAliveCount: values['keep-alive'] === undefined ? 1 : integerOption('--keep-alive', values['keep-alive'], 0),
    keepAliveIntervalMs:
      values['keep-alive-interval'] === undefined ? 0 : integerOption('--keep-alive-interval', values['keep-alive-interval'], 0),
    timeoutMs: values.timeout === undefined ? 30_000 : integerOption('--timeout', values.timeout, 1),
    cleanup: !values['no-cleanup'],
  };
}

function readPem(option: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`${option}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

function integerOption(name: string, raw: string, min: number): number {
  if (!/^\d+$/.test(raw)) throw new UsageError(`${name} must be a whole number`);
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${name} must be at least ${min}`);
  return n;
}

function isParseArgsError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}
