/**
 * A fake WOPI client for tests: a real HTTP server on loopback that serves a discovery document
 * at /hosting/discovery (and counts the requests), and can be told to fail, hang or change its
 * document, like an editor that is restarted or rotates its keys.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';

export type FixtureName = 'onlyoffice' | 'collabora' | 'microsoft';

export function fixture(name: FixtureName): string {
  return readFileSync(path.join(__dirname, '..', 'fixtures', 'discovery', `${name}.xml`), 'utf8');
}

/** A `<proof-key>` element for these public keys, in both published forms (modulus/exponent and CSP blob). */
export function proofKeyElement(current: KeyObject, old: KeyObject = current): string {
  const c = rsaParts(current);
  const o = rsaParts(old);
  return (
    `<proof-key oldvalue="${cspBlob(o.n, o.e)}" oldmodulus="${o.n.toString('base64')}" oldexponent="${o.e.toString('base64')}" ` +
    `value="${cspBlob(c.n, c.e)}" modulus="${c.n.toString('base64')}" exponent="${c.e.toString('base64')}"/>`
  );
}

/** A discovery fixture with its `<proof-key>` replaced (or removed, with `undefined`). */
export function withProofKey(xml: string, element: string | undefined): string {
  const replaced = xml.replace(/<proof-key[^>]*\/>/, element ?? '');
  if (replaced === xml && element !== undefined) throw new Error('fixture has no <proof-key> to replace');
  return replaced;
}

// Written independently of src/protocol/proof-keys.ts, so that a bug there cannot hide itself.
function rsaParts(key: KeyObject): { n: Buffer; e: Buffer } {
  const jwk = key.export({ format: 'jwk' });
  return { n: Buffer.from(String(jwk.n), 'base64url'), e: Buffer.from(String(jwk.e), 'base64url') };
}

function cspBlob(n: Buffer, e: Buffer): string {
  const header = Buffer.alloc(20);
  header.writeUInt8(0x06, 0); // PUBLICKEYBLOB
  header.writeUInt8(0x02, 1); // version
  header.writeUInt32LE(0xa400, 4); // CALG_RSA_KEYX
  header.write('RSA1', 8, 'latin1');
  header.writeUInt32LE(n.length * 8, 12);
  header.writeUInt32LE(parseInt(e.toString('hex'), 16), 16);
  return Buffer.concat([header, Buffer.from(n).reverse()]).toString('base64');
}

export interface FakeWopiClient {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** `<origin>/hosting/discovery`. */
  discoveryUrl: string;
  /** What GET /hosting/discovery answers: a body (200), a status, or 'hang' (never answers). */
  respond: string | number | 'hang';
  /** Discovery requests received so far. */
  hits: number;
  /** Resolves after the next discovery request has been answered. */
  nextHit(): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeWopiClient(body: string): Promise<FakeWopiClient> {
  const waiters: Array<() => void> = [];
  const client = {
    respond: body as string | number | 'hang',
    hits: 0,
  } as FakeWopiClient;
  const server = http.createServer((req, res) => {
    if (req.url?.split('?')[0] !== '/hosting/discovery') {
      res.writeHead(404).end();
      return;
    }
    client.hits += 1;
    const respond = client.respond;
    if (respond === 'hang') return;
    if (typeof respond === 'number') res.writeHead(respond, { 'Content-Type': 'text/plain' }).end('editor trouble');
    else res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8' }).end(respond);
    res.on('finish', () => {
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client.origin = `http://127.0.0.1:${port}`;
  client.discoveryUrl = `${client.origin}/hosting/discovery`;
  client.nextHit = () => new Promise<void>((resolve) => waiters.push(resolve));
  client.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return client;
}
