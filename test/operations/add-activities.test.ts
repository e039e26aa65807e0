import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { format } from 'node:util';
import createDebug from 'debug';
import { MemoryStorage, type WopiPermissions, type WopiRouterOptions } from '../../src';
import type { WopiActivitiesContext } from '../../src/protocol/activities';
import { createApp } from '../helpers/create-app';
import { chunkedRequest, listen } from '../helpers/raw-http';
import { checkFileInfo, fileUrl, override, type App } from '../helpers/wopi-requests';
import { expectNoLockHeader, expectNoToken } from '../helpers/wopi-assertions';

const MIB = 1024 * 1024;

/** AddActivities with `body` sent as is, and no Content-Type (as the WOPI validator sends it). */
const addActivitiesReq = (app: App, fileId: string, token: string | undefined, body: string | Buffer) =>
  override(app, fileId, token, 'ADD_ACTIVITIES').send(Buffer.from(body));

type Hook = NonNullable<WopiRouterOptions['onActivities']>;

async function setup(options: { onActivities?: Hook | null; permissions?: WopiPermissions; uploadIdleTimeoutMs?: number } = {}) {
  const storage = new MemoryStorage();
  const fileId = await storage.addFile('notes.docx', 'content');
  const calls: WopiActivitiesContext[] = [];
  const onActivities: Hook | undefined =
    options.onActivities === null
      ? undefined
      : (options.onActivities ??
        ((context) => {
          calls.push(context);
        }));
  const app = createApp({
    storage,
    ...(onActivities === undefined ? {} : { onActivities }),
    ...(options.uploadIdleTimeoutMs === undefined ? {} : { uploadIdleTimeoutMs: options.uploadIdleTimeoutMs }),
  });
  const t = await app.token(fileId, options.permissions ?? { write: true }, 'ada');
  return { ...app, fileId, t, calls };
}

/** Every debug line written while `run` runs, with its namespace; all express-wopi namespaces on. */
async function captureLogs<T>(run: () => Promise<T>): Promise<{ result: T; lines: Array<{ namespace: string; text: string }> }> {
  const lines: Array<{ namespace: string; text: string }> = [];
  const previousLog = createDebug.log;
  const previousNamespaces = createDebug.disable();
  createDebug.log = function capture(this: unknown, ...args: unknown[]): void {
    lines.push({ namespace: (this as { namespace?: string } | undefined)?.namespace ?? '?', text: format(...args) });
  };
  createDebug.enable('express-wopi:*');
  try {
    return { result: await run(), lines };
  } finally {
    createDebug.log = previousLog;
    createDebug.disable();
    if (previousNamespaces) createDebug.enable(previousNamespaces);
  }
}

// The 17 cases of the WOPI validator's AddActivities group (TestCases.xml), body for body, with
// the answer this router gives. The validator accepts Status 0 or 3 for each comment and needs 3
// for the first unknown type; Ids must come back exactly.
const CID = { ContentId: 'cid123', ContentAction: 'created' };
const LONG = '0123456789abcdef'.repeat(64);
const PEOPLE = {
  one: [{ Name: 'John Able', Id: '111', Provider: 'wopi-contoso', Mentioned: true }],
  three: [
    { Name: 'John Able', Id: '111', Provider: 'wopi-contoso', Mentioned: true },
    { Name: 'Jane Baker', Id: '222', Provider: 'wopi-contoso', InThread: true },
    { Name: 'Pat Charlie', Id: '333', Provider: 'wopi-contoso', InThread: true, RepliedTo: true },
  ],
  bonus: [{ Name: 'John Able', Id: '111', Provider: 'wopi-contoso', Mentioned: true, BonusProperty: 'future compatibility!' }],
  nonWopi: [{ Name: 'Don Delta', Id: '{00000000-0000-0000-0000-000000000000}', Provider: 'Windows Live', Mentioned: true }],
};
const CREATED = '2017-02-15T13:47:13000000Z';
const comment = (id: string, extra: Record<string, unknown> = {}, data: Record<string, unknown> = CID) => ({
  Type: 'comment',
  Id: id,
  Created: CREATED,
  Data: data,
  ...extra,
});
const VALIDATOR_CASES: Array<[string, unknown[], Array<[string, 0 | 3]>]> = [
  [
    'AddActivitiesSingleMinimalComment',
    [{ Type: 'comment', Id: '00000014-0000-0000-0000-000000000000', Timestamp: '2017-03-15T13:47:13000000Z', Data: CID }],
    [['00000014-0000-0000-0000-000000000000', 0]],
  ],
  [
    'AddActivitiesSingleFullComment',
    [
      comment(
        '00000001-0000-0000-0000-000000000000',
        {},
        {
          CommentText: 'basic text',
          ContentId: 'cid123',
          NavigationId: 'nid123',
          ContentAction: 'created',
          IsReply: true,
        },
      ),
    ],
    [['00000001-0000-0000-0000-000000000000', 0]],
  ],
  ['AddActivitiesAllCapsID', [comment('00000002-ABCD-ABCD-ABCD-ABCDEFABCDEF')], [['00000002-ABCD-ABCD-ABCD-ABCDEFABCDEF', 0]]],
  [
    'AddActivitiesMaxLengthContentID',
    [comment('00000004-0000-0000-0000-000000000000', {}, { ContentId: LONG, ContentAction: 'created' })],
    [['00000004-0000-0000-0000-000000000000', 0]],
  ],
  [
    'AddActivitiesMaxLengthNavigationId',
    [comment('00000005-0000-0000-0000-000000000000', {}, { ContentId: 'cid123', NavigationId: LONG, ContentAction: 'created' })],
    [['00000005-0000-0000-0000-000000000000', 0]],
  ],
  [
    'AddActivitiesCommentUpdate',
    [comment('00000006-0000-0000-0000-000000000000', {}, { ContentId: 'cid123', ContentAction: 'updated' })],
    [['00000006-0000-0000-0000-000000000000', 0]],
  ],
  [
    'AddActivitiesCommentDelete',
    [comment('00000007-0000-0000-0000-000000000000', {}, { ContentId: 'cid123', ContentAction: 'deleted' })],
    [['00000007-0000-0000-0000-000000000000', 0]],
  ],
  [
    'AddActivitiesWithBonusToplevelProperty',
    [comment('00000008-0000-0000-0000-000000000000', { BonusTopLevelProperty: 'future compatibility!' })],
    [['00000008-0000-0000-0000-000000000000', 0]],
  ],
  [
    'AddActivitiesWithBonusDataProperty',
    [comment('00000003-0000-0000-0000-000000000000', {}, { ...CID, BonusProperty: 'future compatibility!' })],
    [['00000003-0000-0000-0000-000000000000', 0]],
  ],
  [
    'AddActivitiesCommentAndPerson',
    [comment('00000009-0000-0000-0000-000000000000', { People: PEOPLE.one })],
    [['00000009-0000-0000-0000-000000000000', 0]],
  ],
  [
    'AddActivitiesCommentWithThreePeople',
    [comment('0000000a-0000-0000-0000-000000000000', { People: PEOPLE.three })],
    [['0000000a-0000-0000-0000-000000000000', 0]],
  ],
  [
    'AddActivitiesCommentWithPersonBonusProperty',
    [comment('0000000b-0000-0000-0000-000000000000', { People: PEOPLE.bonus })],
    [['0000000b-0000-0000-0000-000000000000', 0]],
  ],
  [
    'AddActivitiesCommentWithNonWopiPerson',
    [comment('0000000c-0000-0000-0000-000000000000', { People: PEOPLE.nonWopi })],
    [['0000000c-0000-0000-0000-000000000000', 0]],
  ],
  [
    'AddActivitiesUnknownActivityType',
    [{ Type: 'unsupported', Id: '0000000d-0000-0000-0000-000000000000', Created: CREATED, Data: CID }],
    [['0000000d-0000-0000-0000-000000000000', 3]],
  ],
  [
    'AddActivitiesUnknownNoDataActivity',
    [{ Type: 'unsupported', Id: '0000000e-0000-0000-0000-000000000000', Created: CREATED }],
    [['0000000e-0000-0000-0000-000000000000', 3]],
  ],
  [
    'AddActivitiesTwoActivitiesOneUnknown',
    [
      comment('0000000f-0000-0000-0000-000000000000'),
      { Type: 'unsupported', Id: '00000010-0000-0000-0000-000000000000', Created: CREATED, Data: CID },
    ],
    [
      ['0000000f-0000-0000-0000-000000000000', 0],
      ['00000010-0000-0000-0000-000000000000', 3],
    ],
  ],
  [
    'AddActivitiesThreeComments',
    [
      comment('00000011-0000-0000-0000-000000000000'),
      comment('00000012-0000-0000-0000-000000000000'),
      comment('00000013-0000-0000-0000-000000000000'),
    ],
    [
      ['00000011-0000-0000-0000-000000000000', 0],
      ['00000012-0000-0000-0000-000000000000', 0],
      ['00000013-0000-0000-0000-000000000000', 0],
    ],
  ],
];

describe('AddActivities without onActivities', () => {
  test('→ 501 before the token is looked at; CheckFileInfo does not claim SupportsAddActivities', async () => {
    const { app, fileId, t, calls } = await setup({ onActivities: null });
    for (const token of [t, undefined, 'GARBAGE']) {
      const res = await addActivitiesReq(app, fileId, token, JSON.stringify({ Activities: [comment('x')] }));
      expect(res.status).toBe(501);
      expect(res.text).toBe('AddActivities is not supported by this host');
    }
    const info = await checkFileInfo(app, fileId, t);
    expect(info.status).toBe(200);
    expect([undefined, false]).toContain(info.body.SupportsAddActivities);
    expect(calls).toEqual([]);
  });
});

describe('AddActivities with onActivities', () => {
  test('CheckFileInfo says SupportsAddActivities: true, to writers and readers', async () => {
    const { app, fileId, t, token } = await setup();
    expect((await checkFileInfo(app, fileId, t)).body.SupportsAddActivities).toBe(true);
    expect((await checkFileInfo(app, fileId, await token(fileId, { write: false }))).body.SupportsAddActivities).toBe(true);
  });

  test.each(VALIDATOR_CASES)('validator case files.%s → 200 with the expected ActivityResponses', async (_name, activities, expected) => {
    const { app, fileId, t, calls } = await setup();
    // The validator sends the body exactly as written in TestCases.xml, indented.
    const res = await addActivitiesReq(app, fileId, t, JSON.stringify({ Activities: activities }, null, 2));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const responses = expected.map(([Id, Status]) =>
      Status === 0 ? { Id, Status } : { Id, Status, Message: 'Unsupported activity type' },
    );
    expect(res.body).toEqual({ ActivityResponses: responses });
    expectNoLockHeader(res);
    expectNoToken(res, t);
    // The hook hears the comments only.
    const comments = expected.filter(([, status]) => status === 0).map(([id]) => id);
    expect(calls.flatMap((c) => c.activities.map((a) => a.id))).toEqual(comments);
    expect(calls).toHaveLength(comments.length > 0 ? 1 : 0);
  });

  test('the hook gets the request, the file, the user and typed activities (supported ones only, in order)', async () => {
    const { app, fileId, t, calls } = await setup();
    const body = {
      Activities: [
        { Type: 'bogus', Id: 'skip-me' },
        {
          Type: 'comment',
          Id: 'First',
          Timestamp: '2024-05-06T07:08:09Z',
          Data: { ContentId: 'c-1', ContentAction: 'created', NavigationId: 'n-1', CommentText: 'Hi @Bob', IsReply: false },
          People: [{ Name: 'Bob', Id: 'bob', Provider: 'wopi-example', Mentioned: true }],
        },
        { Type: 'comment', Id: 'second', Data: { ContentId: 'c-1', ContentAction: 'deleted' } },
      ],
    };
    const res = await addActivitiesReq(app, fileId, t, JSON.stringify(body));
    expect(res.status).toBe(200);
    expect(res.body.ActivityResponses.map((r: { Id: string; Status: number }) => [r.Id, r.Status])).toEqual([
      ['skip-me', 3],
      ['First', 0],
      ['second', 0],
    ]);
    expect(calls).toHaveLength(1);
    const [context] = calls;
    expect(context?.fileId).toBe(fileId);
    expect(context?.file).toMatchObject({ name: 'notes.docx' });
    expect(context?.user).toMatchObject({ userId: 'ada', permissions: { write: true } });
    expect(context?.req.get('X-WOPI-Override')).toBe('ADD_ACTIVITIES');
    expect(context?.activities).toEqual([
      {
        type: 'comment',
        id: 'First',
        timestamp: '2024-05-06T07:08:09Z',
        data: { contentId: 'c-1', contentAction: 'created', navigationId: 'n-1', commentText: 'Hi @Bob', isReply: false },
        people: [
          {
            id: 'bob',
            name: 'Bob',
            provider: 'wopi-example',
            mentioned: true,
            inThread: false,
            repliedTo: false,
            raw: body.Activities[1]?.People?.[0],
          },
        ],
        raw: body.Activities[1],
      },
      { type: 'comment', id: 'second', data: { contentId: 'c-1', contentAction: 'deleted' }, people: [], raw: body.Activities[2] },
    ]);
  });

  test.each([
    ['an empty Activities array', { Activities: [] }, []],
    [
      'unsupported activities only',
      {
        Activities: [
          { Type: 'x', Id: 'a' },
          { Type: 'comment', Id: 'b' },
        ],
      },
      ['a', 'b'],
    ],
  ])('%s → 200, and the hook is not called', async (_label, body, ids) => {
    const { app, fileId, t, calls } = await setup();
    const res = await addActivitiesReq(app, fileId, t, JSON.stringify(body));
    expect(res.status).toBe(200);
    expect(res.body.ActivityResponses.map((r: { Id: string; Status: number }) => [r.Id, r.Status])).toEqual(ids.map((id) => [id, 3]));
    expect(calls).toEqual([]);
  });

  test('the answer waits for an asynchronous hook', async () => {
    let finished = false;
    const { app, fileId, t } = await setup({
      onActivities: async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        finished = true;
      },
    });
    const res = await addActivitiesReq(app, fileId, t, JSON.stringify({ Activities: [comment('a')] }));
    expect(res.status).toBe(200);
    expect(finished).toBe(true);
  });

  test('a read-only user may add activities; the hook sees the permissions', async () => {
    const { app, fileId, t, calls } = await setup({ permissions: { write: false } });
    const res = await addActivitiesReq(app, fileId, t, JSON.stringify({ Activities: [comment('a')] }));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ActivityResponses: [{ Id: 'a', Status: 0 }] });
    expect(calls[0]?.user.permissions.write).toBe(false);
  });

  test('the override is matched case-insensitively, like every other', async () => {
    const { app, fileId, t } = await setup();
    const res = await override(app, fileId, t, 'add_activities').send(Buffer.from(JSON.stringify({ Activities: [comment('a')] })));
    expect(res.status).toBe(200);
  });

  test('a JSON Content-Type and a byte order mark are fine', async () => {
    const { app, fileId, t } = await setup();
    const res = await override(app, fileId, t, 'ADD_ACTIVITIES')
      .set('Content-Type', 'application/json; charset=utf-8')
      // A string (superagent would serialise a Buffer as JSON under this Content-Type).
      .send(`\uFEFF${JSON.stringify({ Activities: [comment('a')] })}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ActivityResponses: [{ Id: 'a', Status: 0 }] });
  });

  const SECRET_TEXT = 'the merger closes on Friday';
  const SECRET_NAME = 'Zelda Quartermain';
  const PRIVATE_BODY = JSON.stringify({
    Activities: [
      comment(
        'p-1',
        { People: [{ Name: SECRET_NAME, Id: 'zelda-id', Provider: 'wopi-x', Mentioned: true }] },
        {
          ContentId: 'cid-private',
          ContentAction: 'created',
          CommentText: SECRET_TEXT,
        },
      ),
      { Type: 'secret-type-name', Id: 'p-2' },
    ],
  });

  describe.each([
    [
      'throws',
      () => {
        throw new Error('notifier down');
      },
    ],
    ['rejects', async () => Promise.reject(new Error('notifier down'))],
    ['rejects with a non-Error', async () => Promise.reject('notifier down')],
  ])('a hook that %s', (_how, hook) => {
    test('→ 200 with the same ActivityResponses, and a server_error line with counts only', async () => {
      const { app, fileId, t } = await setup({ onActivities: hook as Hook });
      const { result: res, lines } = await captureLogs(() => addActivitiesReq(app, fileId, t, PRIVATE_BODY));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        ActivityResponses: [
          { Id: 'p-1', Status: 0 },
          { Id: 'p-2', Status: 3, Message: 'Unsupported activity type' },
        ],
      });
      const errors = lines.filter((l) => l.namespace === 'express-wopi:server_error');
      expect(errors).toHaveLength(1);
      expect(errors[0]?.text).toContain(`onActivities hook failed for ${fileId} (1 comment, 1 unsupported): notifier down`);
      const everything = lines.map((l) => l.text).join('\n');
      for (const secret of [SECRET_TEXT, SECRET_NAME, 'zelda-id', 'cid-private', 'secret-type-name', t]) {
        expect(everything).not.toContain(secret);
      }
    });
  });

  test('a successful request logs counts, never what the editor wrote', async () => {
    const { app, fileId, t } = await setup();
    const { result: res, lines } = await captureLogs(() => addActivitiesReq(app, fileId, t, PRIVATE_BODY));
    expect(res.status).toBe(200);
    expect(lines.some((l) => l.namespace.startsWith('express-wopi:op:add-activities') && l.text.includes('1 comment, 1 unsupported'))).toBe(
      true,
    );
    expect(lines.filter((l) => l.namespace.startsWith('express-wopi:server_error'))).toEqual([]);
    const everything = lines.map((l) => l.text).join('\n');
    for (const secret of [SECRET_TEXT, SECRET_NAME, 'zelda-id', 'cid-private', 'secret-type-name', t]) {
      expect(everything).not.toContain(secret);
    }
  });

  test.each([
    ['an empty body', '', 'The body is not JSON'],
    ['text', 'comment please', 'The body is not JSON'],
    ['a JSON array', '[]', 'The body is not a JSON object'],
    ['no Activities', '{"activities": []}', 'The body has no Activities array'],
    ['an activity without Id', JSON.stringify({ Activities: [comment('ok'), { Type: 'comment', Data: CID }] }), 'Activity 1 has no Id'],
    ['an activity that is a string', '{"Activities": ["comment"]}', 'Activity 0 is not a JSON object'],
  ])('%s → 400, and the hook is not called', async (_label, body, message) => {
    const { app, fileId, t, calls } = await setup();
    const res = await addActivitiesReq(app, fileId, t, body);
    expect(res.status).toBe(400);
    expect(res.text).toBe(message);
    expect(calls).toEqual([]);
  });

  test('an unknown file → 404, and the hook is not called', async () => {
    const { app, auth, calls } = await setup();
    const { accessToken } = await auth.issueToken({ fileId: 'no-such-file', userId: 'ada', permissions: { write: true } });
    const res = await addActivitiesReq(app, 'no-such-file', accessToken, JSON.stringify({ Activities: [comment('a')] }));
    expect(res.status).toBe(404);
    expect(calls).toEqual([]);
  });

  test('a bad, missing or other-file token → 401, and the hook is not called', async () => {
    const { app, fileId, token, storage, calls } = await setup();
    const otherId = await (storage as MemoryStorage).addFile('other.docx', 'x');
    for (const bad of ['GARBAGE', undefined, await token(otherId)]) {
      const res = await addActivitiesReq(app, fileId, bad, JSON.stringify({ Activities: [comment('a')] }));
      expect(res.status).toBe(401);
    }
    expect(calls).toEqual([]);
  });

  test('a body of exactly 1 MiB is read', async () => {
    const { app, fileId, t, calls } = await setup();
    const json = JSON.stringify({ Activities: [comment('big')] });
    const body = json + ' '.repeat(MIB - Buffer.byteLength(json));
    expect(Buffer.byteLength(body)).toBe(MIB);
    const res = await addActivitiesReq(app, fileId, t, body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ActivityResponses: [{ Id: 'big', Status: 0 }] });
    expect(calls).toHaveLength(1);
  });

  test('a Content-Length above 1 MiB → 400 before the body is read', async () => {
    const { app, fileId, t, calls } = await setup();
    const { server, close } = await listen(app);
    try {
      const { port } = server.address() as AddressInfo;
      const response = await new Promise<{ status: number; text: string; connection: string | undefined }>((resolve, reject) => {
        const req = http.request({
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: `${fileUrl(fileId)}?access_token=${encodeURIComponent(t)}`,
          headers: { 'X-WOPI-Override': 'ADD_ACTIVITIES', 'Content-Length': String(MIB + 1) },
        });
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString(), connection: res.headers.connection });
            req.destroy();
          });
        });
        req.on('error', reject);
        req.write('{"Activities": ['); // and nothing more
      });
      expect(response).toEqual({ status: 400, text: `The body is larger than ${MIB} bytes`, connection: 'close' });
    } finally {
      await close();
    }
    expect(calls).toEqual([]);
  });

  test('a chunked body that grows past 1 MiB → 400', async () => {
    const { app, fileId, t, calls } = await setup();
    const res = await chunkedRequest(app, {
      method: 'POST',
      path: `${fileUrl(fileId)}?access_token=${encodeURIComponent(t)}`,
      headers: { 'X-WOPI-Override': 'ADD_ACTIVITIES' },
      chunks: [Buffer.from('{"Activities": [], "pad": "'), Buffer.alloc(MIB, 0x61), Buffer.from('"}')],
    });
    if (res.error === undefined) {
      expect(res.status).toBe(400);
      expect(res.body?.toString()).toBe(`The body is larger than ${MIB} bytes`);
    }
    expect(calls).toEqual([]);
  });

  test('a body that stops arriving → 408 after uploadIdleTimeoutMs, and the hook is not called', async () => {
    const { app, fileId, t, calls } = await setup({ uploadIdleTimeoutMs: 200 });
    const { server, close } = await listen(app);
    try {
      const { port } = server.address() as AddressInfo;
      const started = Date.now();
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request({
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: `${fileUrl(fileId)}?access_token=${encodeURIComponent(t)}`,
          headers: { 'X-WOPI-Override': 'ADD_ACTIVITIES', 'Content-Length': '1000' },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
          req.destroy();
        });
        req.on('error', reject);
        req.write('{"Activities": ['); // and then nothing more
      });
      expect(status).toBe(408);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await close();
    }
    expect(calls).toEqual([]);
  });
});
