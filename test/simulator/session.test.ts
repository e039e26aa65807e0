/**
 * Every editor's whole session, played by the simulator against createWopiRouter on a real
 * loopback port: both storages, with MemoryLockStore and (when Redis is reachable) RedisLockStore.
 * Each must pass, and the file must end as it began.
 */
import type express from 'express';
import { MemoryLockStore, RedisLockStore, type WopiLockStore } from '../../src';
import { EDITOR_NAMES, type EditorName, simulateSession, type SimulationReport } from '../../src/testing';
import { allBytes, STORAGES, type StorageFixture, useStorage } from '../helpers/ops-storages';
import { connectNodeRedis, deleteKeys, describeWithRedis, type NodeRedisClient, uniquePrefix } from '../helpers/redis';
import { startHost, unexpectedFailures } from './hosts';

async function playAndRestore(fixture: StorageFixture, locks: WopiLockStore, editor: EditorName): Promise<SimulationReport> {
  const original = Buffer.concat([Buffer.from('PK\u0003\u0004'), allBytes()]);
  const fileId = await fixture.addFile('Quarterly report.docx', original);
  const namesBefore = await fixture.names();
  const host = await startHost({ storage: fixture.storage, locks, router: { userInfo: fixture.userInfo } });
  try {
    const report = await simulateSession({
      wopiSrc: host.wopiSrc(fileId),
      accessToken: await host.token(fileId, 'ada', 'Ada'),
      secondAccessToken: await host.token(fileId, 'bob', 'Bob'),
      editor,
    });
    expect(unexpectedFailures(report)).toEqual([]);
    expect(report.passed).toBeGreaterThan(60);
    // Cleaned up: same bytes, same name, no Save As copy, no lock left.
    expect((await fixture.content(fileId)).equals(original)).toBe(true);
    expect(await fixture.names()).toEqual(namesBefore);
    expect(await locks.getLock(fileId)).toBeNull();
    return report;
  } finally {
    await host.close();
  }
}

describe.each(STORAGES)('%s with MemoryLockStore', (_name, makeStorage) => {
  const fixture = useStorage(makeStorage);
  test.each(EDITOR_NAMES)('the %s session passes and leaves the file as it was', async (editor) => {
    await playAndRestore(fixture(), new MemoryLockStore(), editor);
  });
});

describeWithRedis('with RedisLockStore', () => {
  let client: NodeRedisClient;
  const prefix = uniquePrefix();
  beforeAll(async () => {
    client = await connectNodeRedis();
  });
  afterAll(async () => {
    await deleteKeys(client, prefix);
    await client.close();
  });

  describe.each(STORAGES)('%s', (_name, makeStorage) => {
    const fixture = useStorage(makeStorage);
    test.each(EDITOR_NAMES)('the %s session passes and leaves the file as it was', async (editor) => {
      await playAndRestore(fixture(), new RedisLockStore({ client, prefix }), editor);
    });
  });
});

describe.each(STORAGES)('%s: particular sessions', (_name, makeStorage) => {
  const fixture = useStorage(makeStorage);

  test('ONLYOFFICE on an empty file uploads a template without a lock first, and the file is empty again afterwards', async () => {
    const f = fixture();
    const fileId = await f.addFile('Blank.docx', '');
    const host = await startHost({ storage: f.storage });
    try {
      const report = await simulateSession({ wopiSrc: host.wopiSrc(fileId), accessToken: await host.token(fileId), editor: 'onlyoffice' });
      expect(unexpectedFailures(report)).toEqual([]);
      expect(report.checks.find((c) => c.id === 'template.status')).toMatchObject({
        status: 'pass',
        operation: 'PutFile',
        httpStatus: 200,
      });
      expect(report.checks.find((c) => c.id === 'get-file.template')?.status).toBe('pass');
      expect((await f.content(fileId)).length).toBe(0);
    } finally {
      await host.close();
    }
  });

  test('Collabora: a host that answers RenameFile with a Url passes the Url check, and the file is reloaded from it', async () => {
    const f = fixture();
    const fileId = await f.addFile('Notes.odt', 'some notes');
    const host = await startHost({ storage: f.storage, before: () => renameAnswersWithUrl() });
    try {
      const report = await simulateSession({ wopiSrc: host.wopiSrc(fileId), accessToken: await host.token(fileId), editor: 'collabora' });
      expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
      expect(report.checks.find((c) => c.id === 'rename.url')?.status).toBe('pass');
      expect(report.checks.find((c) => c.id === 'rename.url.open.name')?.status).toBe('pass');
    } finally {
      await host.close();
    }
  });

  test('with cleanup off, the saved content and the Save As copy stay', async () => {
    const f = fixture();
    const fileId = await f.addFile('Plan.xlsx', 'cells');
    const host = await startHost({ storage: f.storage });
    try {
      const report = await simulateSession({
        wopiSrc: host.wopiSrc(fileId),
        accessToken: await host.token(fileId),
        editor: 'microsoft',
        cleanup: false,
      });
      expect(unexpectedFailures(report)).toEqual([]);
      expect(report.checks.at(-1)).toMatchObject({ phase: 'cleanup', status: 'skip' });
      expect((await f.content(fileId)).toString()).toMatch(/^cells\nexpress-wopi simulate microsoft exit save /);
      expect(await f.names()).toHaveLength(2);
    } finally {
      await host.close();
    }
  });
});

/** A host whose RenameFile answers carry `Url`: the WOPISrc with the request's token. */
function renameAnswersWithUrl(): express.RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'POST' || String(req.headers['x-wopi-override']).toUpperCase() !== 'RENAME_FILE') {
      next();
      return;
    }
    const end = res.end.bind(res) as (chunk?: unknown) => typeof res;
    res.end = ((chunk?: unknown) => {
      if (res.statusCode === 200 && Buffer.isBuffer(chunk) === false && typeof chunk === 'string') {
        const url = new URL(req.originalUrl, `http://${req.headers.host}`);
        const token = url.searchParams.get('access_token') ?? '';
        const body = JSON.stringify({
          ...JSON.parse(chunk),
          Url: `${url.origin}${url.pathname}?access_token=${encodeURIComponent(token)}`,
        });
        res.setHeader('Content-Length', String(Buffer.byteLength(body)));
        return end(body);
      }
      return end(chunk);
    }) as typeof res.end;
    next();
  };
}
