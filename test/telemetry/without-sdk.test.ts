/**
 * OpenTelemetry is optional: without an SDK registered nothing is observed (no observation
 * object, so no attributes, no clock reads); without `@opentelemetry/api` installed the router
 * works the same; and an SDK registered after the router was created is picked up.
 */
import { createNoopMeter, metrics, trace } from '@opentelemetry/api';
import type * as Index from '../../src';
import * as Telemetry from '../../src/telemetry';
import { createApp } from '../helpers/create-app';
import { checkFileInfo, lockReq, putFile } from '../helpers/wopi-requests';
import { counted, registerTestSdk } from './otel-sdk';

const TARGET = { resource: 'file', id: 'f' } as const;

test('no SDK registered: nothing to observe, and the operations work', async () => {
  const { observeOperation } = Telemetry;
  expect(trace.getTracer('x').startSpan('probe').isRecording()).toBe(false);
  expect(observeOperation('CheckFileInfo', TARGET, 'GET')).toBeUndefined();

  const { app, storage, token } = createApp();
  const fileId = (storage as Index.MemoryStorage).addFile('a.docx', 'x');
  const t = await token(fileId);
  expect((await checkFileInfo(app, fileId, t)).status).toBe(200);
  expect((await lockReq(app, fileId, t, 'A')).status).toBe(200);
  expect((await putFile(app, fileId, t, 'y', { 'X-WOPI-Lock': 'A' })).status).toBe(200);
});

test('an SDK registered after the router was created is used from then on', async () => {
  const { app, storage, token } = createApp();
  const fileId = (storage as Index.MemoryStorage).addFile('a.docx', 'x');
  const t = await token(fileId);
  expect((await checkFileInfo(app, fileId, t)).status).toBe(200);
  const sdk = registerTestSdk();
  try {
    expect((await checkFileInfo(app, fileId, t)).status).toBe(200);
    expect(sdk.spans().map((s) => s.name)).toEqual(['WOPI CheckFileInfo']);
    expect(counted((await sdk.collect()).get('wopi.operations'), { 'wopi.operation': 'CheckFileInfo' })).toBe(1);
  } finally {
    await sdk.shutdown();
  }
  // Unregistered again: back to nothing.
  expect(metrics.getMeterProvider().getMeter('x')).toBe(createNoopMeter());
  expect(Telemetry.observeOperation('CheckFileInfo', TARGET, 'GET')).toBeUndefined();
});

test('@opentelemetry/api not installed: the router loads and answers as usual, even with an SDK registered', async () => {
  // With the API installed, this SDK would make every operation observed.
  const sdk = registerTestSdk();
  try {
    expect(Telemetry.observeOperation('CheckFileInfo', TARGET, 'GET')).toBeDefined();
    let loaded: { index: typeof Index; telemetry: typeof Telemetry } | undefined;
    jest.isolateModules(() => {
      jest.doMock('@opentelemetry/api', () => {
        throw Object.assign(new Error("Cannot find module '@opentelemetry/api'"), { code: 'MODULE_NOT_FOUND' });
      });
      expect(() => require('@opentelemetry/api')).toThrow(/Cannot find module/);
      loaded = { index: require('../../src') as typeof Index, telemetry: require('../../src/telemetry') as typeof Telemetry };
    });
    const { index, telemetry } = loaded!;
    expect(telemetry.observeOperation('CheckFileInfo', TARGET, 'GET')).toBeUndefined();

    const express = require('express') as typeof import('express');
    const request = require('supertest') as typeof import('supertest');
    const storage = new index.MemoryStorage();
    const fileId = storage.addFile('a.docx', 'x');
    const auth = new index.JwtAuth({ secret: 'a-secret-of-at-least-thirty-two-characters!' });
    const locked: string[] = [];
    const app = express();
    app.use('/wopi', index.createWopiRouter({ storage, auth, events: { locked: (e) => void locked.push(e.lockId) } }));
    const { accessToken } = await auth.issueToken({ fileId, userId: 'u', permissions: { write: true } });
    const res = await request(app)
      .post(`/wopi/files/${fileId}`)
      .query({ access_token: accessToken })
      .set({ 'X-WOPI-Override': 'LOCK', 'X-WOPI-Lock': 'A' });
    expect(res.status).toBe(200);
    expect(locked).toEqual(['A']);
    // The isolated router recorded nothing through the SDK (the spans so far are the probe's).
    expect(sdk.spans().filter((s) => s.name === 'WOPI Lock')).toEqual([]);
  } finally {
    jest.dontMock('@opentelemetry/api');
    await sdk.shutdown();
  }
});
