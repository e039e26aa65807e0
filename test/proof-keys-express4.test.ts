/**
 * Proof keys and the host page handler on Express 4: the signed URL is rebuilt from Express 4's
 * request (mount path, Host with its port, X-Forwarded-Host under trust proxy) the same way.
 */
jest.mock('express', () => jest.requireActual('express4'));

import express from 'express';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createWopiRouter, JwtAuth, MemoryStorage } from '../src';
import { hostPageHandler } from '../src/discovery';
import { proofHeaders, testKeyPair } from './helpers/proof-signer';

const express4Version = jest.requireActual<{ version: string }>('express4/package.json').version;
const SECRET = 'express4-proof-secret-express4-proof-secret-01';
const keys = testKeyPair();

let server: http.Server;
let origin: string;
let fileId: string;
let token: string;
let app: express.Express;

beforeAll(async () => {
  const storage = new MemoryStorage();
  fileId = storage.addFile('notes.docx', 'hello');
  const auth = new JwtAuth({ secret: SECRET });
  token = (await auth.issueToken({ fileId, userId: 'u4', permissions: { write: true } })).accessToken;
  app = express();
  app.use('/apps/docs/wopi', createWopiRouter({ storage, auth, proofKeys: { current: keys.publicKey } }));
  app.get(
    '/page',
    hostPageHandler(() => ({ actionUrl: 'https://office.example.com/x?a=1', accessToken: token, accessTokenTtl: 0 })),
  );
  server = await new Promise<http.Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const path = (): string => `/apps/docs/wopi/files/${fileId}?access_token=${encodeURIComponent(token)}`;

it('runs on Express 4', () => {
  expect(express4Version).toMatch(/^4\./);
});

it('the signed URL includes the mount path and the port of the Host header', async () => {
  const signed = await request(origin)
    .get(path())
    .set(proofHeaders({ token, url: `${origin}${path()}`, proofKey: keys.privateKey }));
  expect(signed.status).toBe(200);
  const withoutPort = await request(origin)
    .get(path())
    .set(proofHeaders({ token, url: `http://127.0.0.1${path()}`, proofKey: keys.privateKey }));
  expect(withoutPort.status).toBe(500);
});

it('X-Forwarded-Host (with its port) counts only under trust proxy', async () => {
  const forwarded = { 'X-Forwarded-Host': 'files.example.com:8443', 'X-Forwarded-Proto': 'https' };
  const url = `https://files.example.com:8443${path()}`;
  const untrusted = await request(origin)
    .get(path())
    .set({ ...forwarded, ...proofHeaders({ token, url, proofKey: keys.privateKey }) });
  expect(untrusted.status).toBe(500);
  app.set('trust proxy', 'loopback');
  try {
    const trusted = await request(origin)
      .get(path())
      .set({ ...forwarded, ...proofHeaders({ token, url, proofKey: keys.privateKey }) });
    expect(trusted.status).toBe(200);
  } finally {
    app.set('trust proxy', false);
  }
});

it('hostPageHandler sends the page', async () => {
  const res = await request(origin).get('/page?wdOrigin=x');
  expect(res.status).toBe(200);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.text).toContain('action="https://office.example.com/x?a=1&#38;wdOrigin=x"');
});
