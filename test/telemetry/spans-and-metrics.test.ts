/**
 * OpenTelemetry with the SDK registered (in-memory exporters): one span per WOPI operation, named
 * `WOPI <operation>`, with the operation, the file or container ID, the method, the status and the
 * lock outcome; ERROR status only for 5xx; the operation's span is the active one while adapters
 * run; and the metrics: operations by name and status, durations, save sizes, lock conflicts, proof
 * failures. No access token (nor `access_token`) anywhere in what is exported.
 */
import { trace } from '@opentelemetry/api';
import { AlwaysOffSampler, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import express from 'express';
import request from 'supertest';
import { MemoryStorage, type WopiStorage, type WopiContainerStorage } from '../../src';
import { createApp } from '../helpers/create-app';
import { failingStorage } from '../helpers/fake-adapters';
import { proofHeaders, testKeyPair } from '../helpers/proof-signer';
import { checkFileInfo, fileUrl, getFile, getLockReq, lockReq, putFile, refreshLockReq, unlockReq } from '../helpers/wopi-requests';
import { counted, histogram, registerTestSdk, type TestSdk } from './otel-sdk';

let sdk: TestSdk;
beforeAll(() => {
  sdk = registerTestSdk();
});
afterAll(() => sdk.shutdown());
beforeEach(() => sdk.reset());

function setup(storage: WopiStorage = new MemoryStorage(), options: Parameters<typeof createApp>[0] = {}) {
  const memory = storage instanceof MemoryStorage ? storage : undefined;
  const fileId = memory ? memory.addFile('report.docx', 'content') : 'missing';
  return { ...createApp({ storage, ...options }), fileId };
}

const named = (spans: ReadableSpan[], name: string) => spans.filter((s) => s.name === name);

describe('spans', () => {
  test('a session: one span per operation, with its name, IDs, status and lock outcome', async () => {
    const { app, fileId, token } = setup();
    const t = await token(fileId);
    expect((await checkFileInfo(app, fileId, t)).status).toBe(200);
    expect((await lockReq(app, fileId, t, 'A')).status).toBe(200);
    expect((await getFile(app, fileId, t)).status).toBe(200);
    expect((await putFile(app, fileId, t, 'twelve bytes', { 'X-WOPI-Lock': 'A' })).status).toBe(200);
    expect((await putFile(app, fileId, t, 'x', { 'X-WOPI-Lock': 'B' })).status).toBe(409);
    expect((await refreshLockReq(app, fileId, t, 'A')).status).toBe(200);
    expect((await getLockReq(app, fileId, t)).status).toBe(200);
    expect((await unlockReq(app, fileId, t, 'A')).status).toBe(200);
    expect((await lockReq(app, fileId, t, 'A')).status).toBe(200);
    expect((await lockReq(app, fileId, t, 'B')).status).toBe(409);

    const spans = sdk.spans();
    expect(spans.map((s) => s.name)).toEqual([
      'WOPI CheckFileInfo',
      'WOPI Lock',
      'WOPI GetFile',
      'WOPI PutFile',
      'WOPI PutFile',
      'WOPI RefreshLock',
      'WOPI GetLock',
      'WOPI Unlock',
      'WOPI Lock',
      'WOPI Lock',
    ]);
    expect(spans.map((s) => [s.attributes['http.response.status_code'], s.attributes['wopi.lock.outcome']])).toEqual([
      [200, undefined],
      [200, 'locked'],
      [200, undefined],
      [200, undefined],
      [409, 'conflict'],
      [200, 'refreshed'],
      [200, undefined],
      [200, 'unlocked'],
      [200, 'locked'],
      [409, 'conflict'],
    ]);
    expect(spans[0]!.attributes).toEqual({
      'wopi.operation': 'CheckFileInfo',
      'wopi.file_id': fileId,
      'http.request.method': 'GET',
      'http.response.status_code': 200,
    });
    expect(spans[3]!.attributes).toMatchObject({ 'wopi.operation': 'PutFile', 'http.request.method': 'POST', 'wopi.save.size': 12 });
    expect(spans[4]!.attributes).toMatchObject({ 'wopi.error.code': 'WOPI_LOCK_CONFLICT' });
    for (const span of spans) {
      expect(span.kind).toBe(0); // INTERNAL: inside the HTTP server span, when there is one
      expect(span.status.code).toBe(0); // UNSET: a 409 is the protocol working
      expect(span.ended).toBe(true);
    }
  });

  test('UnlockAndRelock: lock outcome relocked', async () => {
    const { app, fileId, token } = setup();
    const t = await token(fileId);
    await lockReq(app, fileId, t, 'A');
    await request(app)
      .post(fileUrl(fileId))
      .query({ access_token: t })
      .set({ 'X-WOPI-Override': 'LOCK', 'X-WOPI-OldLock': 'A', 'X-WOPI-Lock': 'B' });
    expect(named(sdk.spans(), 'WOPI UnlockAndRelock')[0]!.attributes['wopi.lock.outcome']).toBe('relocked');
  });

  test('401 and 501 get a span with their status; an unknown override gets none', async () => {
    const { app, fileId, token } = setup();
    expect((await checkFileInfo(app, fileId, 'not-a-token')).status).toBe(401);
    const reader = await token(fileId, { write: false });
    expect((await lockReq(app, fileId, reader, 'A')).status).toBe(401);
    expect((await request(app).post(fileUrl(fileId)).query({ access_token: reader }).set('X-WOPI-Override', 'RENAME_FILE')).status).toBe(
      401,
    );
    expect((await request(app).post(fileUrl(fileId)).set('X-WOPI-Override', 'NOPE')).status).toBe(501);
    expect(sdk.spans().map((s) => [s.name, s.attributes['http.response.status_code'], s.attributes['wopi.error.code']])).toEqual([
      ['WOPI CheckFileInfo', 401, 'WOPI_INVALID_TOKEN'],
      ['WOPI Lock', 401, 'WOPI_INVALID_TOKEN'],
      ['WOPI RenameFile', 401, 'WOPI_INVALID_TOKEN'],
    ]);
  });

  test('a 500 sets the span status to ERROR and records the exception', async () => {
    const memory = new MemoryStorage();
    const fileId = memory.addFile('report.docx', 'content');
    const { app, token } = createApp({ storage: failingStorage(memory, 'getFileInfo', 'disk on fire') });
    expect((await checkFileInfo(app, fileId, await token(fileId))).status).toBe(500);
    const [span] = sdk.spans();
    expect(span!.attributes['http.response.status_code']).toBe(500);
    expect(span!.status).toEqual({ code: 2, message: 'Internal Server Error' });
    expect(span!.events.map((e) => [e.name, e.attributes?.['exception.message']])).toEqual([['exception', 'disk on fire']]);
  });

  test('adapters run inside the operation span: their own spans are its children', async () => {
    const memory = new MemoryStorage();
    const fileId = memory.addFile('report.docx', 'content');
    const tracer = trace.getTracer('test-storage');
    const traced: WopiStorage = Object.assign(Object.create(memory), {
      getFileInfo: (id: string) =>
        tracer.startActiveSpan('storage.getFileInfo', (span) => memory.getFileInfo(id).finally(() => span.end())),
    });
    const { app, token } = createApp({ storage: traced });
    expect((await checkFileInfo(app, fileId, await token(fileId))).status).toBe(200);
    const spans = sdk.spans();
    const operation = named(spans, 'WOPI CheckFileInfo')[0]!;
    const child = named(spans, 'storage.getFileInfo')[0]!;
    expect(child.parentSpanContext?.spanId).toBe(operation.spanContext().spanId);
    expect(child.spanContext().traceId).toBe(operation.spanContext().traceId);
  });

  test('a span started by the app before the router (an HTTP server span) is the parent', async () => {
    const { app: inner, fileId, token } = setup();
    const outer = express();
    const tracer = trace.getTracer('test-http');
    outer.use((req, res, next) =>
      tracer.startActiveSpan(`HTTP ${req.method}`, (span) => {
        res.on('finish', () => span.end());
        next();
      }),
    );
    outer.use(inner);
    expect((await checkFileInfo(outer, fileId, await token(fileId))).status).toBe(200);
    await new Promise((resolve) => setImmediate(resolve));
    const server = named(sdk.spans(), 'HTTP GET')[0]!;
    const operation = named(sdk.spans(), 'WOPI CheckFileInfo')[0]!;
    expect(operation.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
  });

  test('container operations carry wopi.container_id', async () => {
    const storage = new MemoryStorage();
    const fileId = storage.addFile('report.docx', 'content');
    const { app, auth } = createApp({ storage, containers: true });
    const containerId = await (storage as WopiContainerStorage).getFileContainerId(fileId);
    const { accessToken } = await auth.issueResourceToken({
      resource: { type: 'container', containerId },
      userId: 'u1',
      permissions: { write: true },
    });
    expect((await request(app).get(`/wopi/containers/${containerId}`).query({ access_token: accessToken })).status).toBe(200);
    expect(sdk.spans()[0]!.attributes).toEqual({
      'wopi.operation': 'CheckContainerInfo',
      'wopi.container_id': containerId,
      'http.request.method': 'GET',
      'http.response.status_code': 200,
    });
  });
});

describe('metrics', () => {
  test('operations by name and status, durations, save sizes, lock conflicts', async () => {
    const { app, fileId, token } = setup();
    const t = await token(fileId);
    await checkFileInfo(app, fileId, t);
    await checkFileInfo(app, fileId, t);
    await lockReq(app, fileId, t, 'A');
    await lockReq(app, fileId, t, 'B');
    await putFile(app, fileId, t, 'x'.repeat(1000), { 'X-WOPI-Lock': 'A' });
    await putFile(app, fileId, t, 'y'.repeat(3000), { 'X-WOPI-Lock': 'A' });
    await putFile(app, fileId, t, 'z', { 'X-WOPI-Lock': 'B' });
    await request(app)
      .post(fileUrl(fileId))
      .query({ access_token: t })
      .set({ 'X-WOPI-Override': 'PUT_RELATIVE', 'X-WOPI-SuggestedTarget': '.pdf', 'Content-Type': 'application/octet-stream' })
      .send(Buffer.alloc(500));

    const m = await sdk.collect();
    const operations = m.get('wopi.operations');
    expect(operations?.descriptor.unit).toBe('{operation}');
    expect(counted(operations, { 'wopi.operation': 'CheckFileInfo', 'http.response.status_code': 200 })).toBe(2);
    expect(counted(operations, { 'wopi.operation': 'Lock', 'http.response.status_code': 200 })).toBe(1);
    expect(counted(operations, { 'wopi.operation': 'Lock', 'http.response.status_code': 409 })).toBe(1);
    expect(counted(operations, { 'wopi.operation': 'PutFile', 'http.response.status_code': 200 })).toBe(2);
    expect(counted(operations, { 'wopi.operation': 'PutFile', 'http.response.status_code': 409 })).toBe(1);
    expect(counted(operations, { 'wopi.operation': 'PutRelativeFile', 'http.response.status_code': 200 })).toBe(1);

    const duration = m.get('wopi.operation.duration');
    expect(duration?.descriptor.unit).toBe('ms');
    expect(histogram(duration, { 'wopi.operation': 'PutFile' }).count).toBe(3);
    expect(histogram(duration, { 'wopi.operation': 'PutFile' }).sum).toBeGreaterThan(0);

    const sizes = m.get('wopi.save.size');
    expect(sizes?.descriptor.unit).toBe('By');
    expect(histogram(sizes, { 'wopi.operation': 'PutFile' })).toEqual({ count: 2, sum: 4000 });
    expect(histogram(sizes, { 'wopi.operation': 'PutRelativeFile' })).toEqual({ count: 1, sum: 500 });

    const conflicts = m.get('wopi.lock.conflicts');
    expect(counted(conflicts, { 'wopi.operation': 'Lock' })).toBe(1);
    expect(counted(conflicts, { 'wopi.operation': 'PutFile' })).toBe(1);
  });

  test('proof failures, by reason', async () => {
    const keys = testKeyPair();
    const { app, fileId, token } = setup(new MemoryStorage(), { proofKeys: { current: keys.publicKey } });
    const t = await token(fileId);
    expect((await checkFileInfo(app, fileId, t)).status).toBe(500);
    const garbage = proofHeaders({ token: t, url: 'http://127.0.0.1/wopi/files/x', proofKey: 'garbage' });
    expect((await checkFileInfo(app, fileId, t).set(garbage)).status).toBe(500);
    const m = await sdk.collect();
    const failures = m.get('wopi.proof.failures');
    expect(counted(failures, { 'wopi.proof.reason': 'missing-headers' })).toBe(1);
    expect(counted(failures, { 'wopi.proof.reason': 'bad-signature', 'wopi.operation': 'CheckFileInfo' })).toBe(1);
    expect(counted(m.get('wopi.operations'), { 'wopi.operation': 'CheckFileInfo', 'http.response.status_code': 500 })).toBe(2);
    expect(sdk.spans().map((s) => s.attributes['wopi.error.code'])).toEqual(['WOPI_PROOF_INVALID', 'WOPI_PROOF_INVALID']);
  });
});

test('no access token, token part or query string anywhere in spans or metrics', async () => {
  const { app, fileId, token } = setup();
  const t = await token(fileId);
  await checkFileInfo(app, fileId, t);
  await request(app).get(fileUrl(fileId)).set('Authorization', `Bearer ${t}`);
  await lockReq(app, fileId, t, 'A');
  await putFile(app, fileId, t, 'x', { 'X-WOPI-Lock': 'A' });
  await putFile(app, fileId, t, 'x', { 'X-WOPI-Lock': 'B' });
  await request(app)
    .post(fileUrl(fileId))
    .query({ access_token: t })
    .set({ 'X-WOPI-Override': 'PUT_RELATIVE', 'X-WOPI-SuggestedTarget': '.pdf', 'Content-Type': 'application/octet-stream' })
    .send('copy');
  await checkFileInfo(app, fileId, `${t}x`);
  const spans = sdk.spans();
  expect(spans).toHaveLength(7);
  const exported = JSON.stringify({
    spans: spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status, links: s.links })),
    metrics: [...(await sdk.collect()).values()],
  });
  for (const secret of [t, t.split('.')[2]!, 'access_token', 'Bearer', 'LOCK-', '"A"']) {
    expect(exported).not.toContain(secret);
  }
});

describe('sampled out', () => {
  test('no span and no attributes, but the metrics are still recorded', async () => {
    await sdk.shutdown();
    sdk = registerTestSdk({ sampler: new AlwaysOffSampler() });
    const { app, fileId, token } = setup();
    const t = await token(fileId);
    expect((await lockReq(app, fileId, t, 'A')).status).toBe(200);
    expect(sdk.spans()).toEqual([]);
    expect(counted((await sdk.collect()).get('wopi.operations'), { 'wopi.operation': 'Lock' })).toBe(1);
    await sdk.shutdown();
    sdk = registerTestSdk();
  });
});
