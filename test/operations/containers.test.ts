/**
 * Containers and the ecosystem through the router: CheckContainerInfo, EnumerateChildren,
 * EnumerateAncestors (files and containers), CreateChildContainer, CreateChildFile,
 * RenameContainer, DeleteContainer, GetEcosystem, CheckEcosystem, GetRootContainer and the
 * container GetShareUrl, on MemoryStorage with JwtAuth. Every URL the router answers with is
 * followed as an editor would, with the token it carries.
 */
import request from 'supertest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FileSystemStorage, MemoryStorage, type WopiAuth } from '../../src';
import { createApp } from '../helpers/create-app';
import { checkFileInfo, fileUrl, lockReq, type App } from '../helpers/wopi-requests';
import { expectNoToken } from '../helpers/wopi-assertions';
import { encodeUtf7 } from '../../src/protocol/utf7';

/** The path and query of an absolute URL the router answered with (the app is not listening). */
function local(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}

/** `url` with `/suffix` inserted before its query string. */
function below(url: string, suffix: string): string {
  const u = new URL(url);
  return `${u.pathname}/${suffix}${u.search}`;
}

function post(app: App, url: string, override: string, headers: Record<string, string> = {}) {
  return request(app).post(local(url)).set('X-WOPI-Override', override).set(headers);
}

/** A storage with folders: Documents/Projects/{plan.docx, budget.xlsx, readme.txt, Archive/}. */
interface Tree {
  storage: MemoryStorage | FileSystemStorage;
  /** The ID of `plan.docx`. */
  fileId: string;
  cleanup(): Promise<void>;
}

async function memoryTree(): Promise<Tree> {
  const storage = new MemoryStorage({ rootName: 'Documents' });
  const projects = storage.addContainer('Projects');
  const fileId = storage.addFile('plan.docx', 'plan', { containerId: projects });
  storage.addFile('budget.xlsx', 'budget', { containerId: projects });
  storage.addFile('readme.txt', 'read me', { containerId: projects });
  storage.addContainer('Archive', projects);
  return { storage, fileId, cleanup: async () => undefined };
}

async function fileSystemTree(): Promise<Tree> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'express-wopi-containers-'));
  await mkdir(path.join(root, 'Projects', 'Archive'), { recursive: true });
  await writeFile(path.join(root, 'Projects', 'plan.docx'), 'plan');
  await writeFile(path.join(root, 'Projects', 'budget.xlsx'), 'budget');
  await writeFile(path.join(root, 'Projects', 'readme.txt'), 'read me');
  const storage = new FileSystemStorage({ root, rootName: 'Documents' });
  const fileId = await storage.fileIdFor('Projects/plan.docx');
  return { storage, fileId, cleanup: () => rm(root, { recursive: true, force: true }) };
}

const TREES: Array<[string, () => Promise<Tree>]> = [
  ['MemoryStorage', memoryTree],
  ['FileSystemStorage', fileSystemTree],
];

let trees: Tree[] = [];
afterEach(async () => {
  await Promise.all(trees.map((t) => t.cleanup()));
  trees = [];
});

/** The container URLs of a file's ancestors, root first. */
async function ancestors(app: App, fileId: string, t: string): Promise<Array<{ Name: string; Url: string }>> {
  const res = await request(app)
    .get(`${fileUrl(fileId)}/ancestry`)
    .query({ access_token: t });
  expect(res.status).toBe(200);
  return res.body.AncestorsWithRootFirst;
}

describe.each(TREES)('containers through the router on %s', (_name, makeTree) => {
  async function setup(options: Parameters<typeof createApp>[0] = {}) {
    const tree = await makeTree();
    trees.push(tree);
    const app = createApp({ storage: tree.storage, containers: true, ...options });
    const t = await app.token(tree.fileId);
    return { ...app, storage: tree.storage, fileId: tree.fileId, t };
  }

  test('CheckFileInfo says SupportsContainers and SupportsEcosystem only with the containers option', async () => {
    const { app, fileId, t } = await setup();
    const cfi = await checkFileInfo(app, fileId, t);
    expect(cfi.body).toMatchObject({ SupportsContainers: true, SupportsEcosystem: true });

    // Off by default, even with a storage and an auth that could: a file token leads nowhere else.
    const storage = new MemoryStorage();
    storage.addContainer('Private');
    const plain = storage.addFile('a.docx', 'x');
    const { app: off, token } = createApp({ storage });
    const tok = await token(plain);
    expect((await checkFileInfo(off, plain, tok)).body).not.toHaveProperty('SupportsContainers');
    expect((await checkFileInfo(off, plain, tok)).body).not.toHaveProperty('SupportsEcosystem');
    expect(
      (
        await request(off)
          .get(`${fileUrl(plain)}/ancestry`)
          .query({ access_token: tok })
      ).status,
    ).toBe(501);
    expect(
      (
        await request(off)
          .get(`${fileUrl(plain)}/ecosystem_pointer`)
          .query({ access_token: tok })
      ).status,
    ).toBe(501);
    expect((await request(off).get('/wopi/containers/root').query({ access_token: tok })).status).toBe(501);
    expect((await request(off).get('/wopi/ecosystem').query({ access_token: tok })).status).toBe(501);
  });

  test('containers: true is refused at creation without a container storage or resource tokens', () => {
    const storage = new MemoryStorage();
    const { auth } = createApp({ storage });
    const noResources: WopiAuth = { authenticate: (token, id) => auth.authenticate(token, id), issueToken: (r) => auth.issueToken(r) };
    expect(() => createApp({ storage, auth: noResources, containers: true })).toThrow(/WOPI_OPTION_CONFLICT/);
    const filesOnly = {
      getFileInfo: storage.getFileInfo.bind(storage),
      readFile: storage.readFile.bind(storage),
      writeFile: storage.writeFile.bind(storage),
    };
    expect(() => createApp({ storage: filesOnly, containers: true })).toThrow(/`containers` needs a storage/);
    expect(() => createApp({ storage, containers: 'yes' as never })).toThrow(/WOPI_OPTION_TYPE/);
  });

  test('EnumerateAncestors of a file: root first, its own container last, each URL opening that container', async () => {
    const { app, fileId, t } = await setup();
    const chain = await ancestors(app, fileId, t);
    expect(chain.map((c) => c.Name)).toEqual(['Documents', 'Projects']);
    for (const c of chain) {
      expect(c.Url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/wopi\/containers\/[^/?]+\?access_token=[^&]+$/);
      const info = await request(app).get(local(c.Url));
      expect(info.status).toBe(200);
      expect(info.body.Name).toBe(c.Name);
    }
    // The root has no ancestors; a container's last ancestor is its parent.
    const root = await request(app).get(below(chain[0]!.Url, 'ancestry'));
    expect(root.status).toBe(200);
    expect(root.body).toEqual({ AncestorsWithRootFirst: [] });
    const projects = await request(app).get(below(chain[1]!.Url, 'ancestry'));
    expect(projects.body.AncestorsWithRootFirst.map((c: { Name: string }) => c.Name)).toEqual(['Documents']);
  });

  test('CheckContainerInfo: name, permissions, no rename or delete of the root, licensing flags', async () => {
    const { app, fileId, t, token } = await setup();
    const [root, projects] = await ancestors(app, fileId, t);
    const info = (await request(app).get(local(projects!.Url))).body;
    expect(info).toEqual({
      Name: 'Projects',
      UserCanCreateChildContainer: true,
      UserCanCreateChildFile: true,
      UserCanDelete: true,
      UserCanRename: true,
      IsEduUser: false,
      LicenseCheckForEditIsEnabled: false,
      BreadcrumbFolderName: 'Documents',
    });
    const rootInfo = (await request(app).get(local(root!.Url))).body;
    expect(rootInfo).toMatchObject({ Name: 'Documents', UserCanDelete: false, UserCanRename: false, UserCanCreateChildFile: true });
    // A reader's container token grants what the reader's file token granted: nothing to change.
    const reader = await token(fileId, { write: false });
    const [, readerProjects] = await ancestors(app, fileId, reader);
    expect((await request(app).get(local(readerProjects!.Url))).body).toMatchObject({
      UserCanCreateChildContainer: false,
      UserCanCreateChildFile: false,
      UserCanDelete: false,
      UserCanRename: false,
    });
    expect((await post(app, readerProjects!.Url, 'CREATE_CHILD_CONTAINER', { 'X-WOPI-SuggestedTarget': 'New' })).status).toBe(401);
  });

  test('EnumerateChildren: direct children sorted by name, with working URLs, and the extension filter', async () => {
    const { app, fileId, t } = await setup();
    const [, projects] = await ancestors(app, fileId, t);
    const res = await request(app).get(below(projects!.Url, 'children'));
    expect(res.status).toBe(200);
    expect(res.body.ChildFiles.map((f: { Name: string }) => f.Name)).toEqual(['budget.xlsx', 'plan.docx', 'readme.txt']);
    expect(res.body.ChildContainers.map((c: { Name: string }) => c.Name)).toEqual(['Archive']);
    const plan = res.body.ChildFiles[1];
    expect(plan).toEqual({
      Name: 'plan.docx',
      Url: expect.stringMatching(/\/wopi\/files\/[^/?]+\?access_token=/),
      LastModifiedTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      Size: 4,
      Version: expect.any(String),
    });
    // A child's URL opens that file (CheckFileInfo) and not its sibling.
    const cfi = await request(app).get(local(plan.Url));
    expect(cfi.status).toBe(200);
    expect(cfi.body.BaseFileName).toBe('plan.docx');
    const siblingToken = new URL(plan.Url).searchParams.get('access_token') as string;
    const budgetId = new URL(res.body.ChildFiles[0].Url).pathname.split('/')[3] as string;
    expect((await checkFileInfo(app, budgetId, siblingToken)).status).toBe(401);

    for (const [filter, expected] of [
      ['.docx', ['plan.docx']],
      ['.DOCX,.xlsx', ['budget.xlsx', 'plan.docx']],
      ['docx, txt', ['plan.docx', 'readme.txt']],
      ['.pdf', []],
      ['', ['budget.xlsx', 'plan.docx', 'readme.txt']],
    ] as const) {
      const filtered = await request(app).get(below(projects!.Url, 'children')).set('X-WOPI-FileExtensionFilterList', filter);
      expect([filter, filtered.body.ChildFiles.map((f: { Name: string }) => f.Name)]).toEqual([filter, expected]);
      expect(filtered.body.ChildContainers).toHaveLength(1);
    }
  });

  test('a container token opens only its container: not another container, not a file, not the ecosystem', async () => {
    const { app, fileId, t } = await setup();
    const [root, projects] = await ancestors(app, fileId, t);
    const projectsToken = new URL(projects!.Url).searchParams.get('access_token') as string;
    const rootId = new URL(root!.Url).pathname.split('/').pop() as string;
    const res = await request(app).get(`/wopi/containers/${rootId}`).query({ access_token: projectsToken });
    expect(res.status).toBe(401);
    expectNoToken(res, projectsToken);
    expect((await checkFileInfo(app, fileId, projectsToken)).status).toBe(401);
    expect((await request(app).get('/wopi/ecosystem').query({ access_token: projectsToken })).status).toBe(401);
    // And a file token opens no container.
    const projectsId = new URL(projects!.Url).pathname.split('/').pop() as string;
    expect((await request(app).get(`/wopi/containers/${projectsId}`).query({ access_token: t })).status).toBe(401);
    expect((await request(app).get(`/wopi/containers/${projectsId}`)).status).toBe(401);
  });

  test('CreateChildContainer: suggested names are made free, exact names are used or refused', async () => {
    const { app, fileId, t } = await setup();
    const [, projects] = await ancestors(app, fileId, t);
    const first = await post(app, projects!.Url, 'CREATE_CHILD_CONTAINER', { 'X-WOPI-SuggestedTarget': encodeUtf7('Drafts') });
    expect(first.status).toBe(200);
    expect(first.body.ContainerPointer.Name).toBe('Drafts');
    const second = await post(app, projects!.Url, 'CREATE_CHILD_CONTAINER', { 'X-WOPI-SuggestedTarget': encodeUtf7('drafts') });
    expect(second.body.ContainerPointer.Name).toBe('drafts (1)');
    // An illegal suggestion is repaired, never refused.
    const repaired = await post(app, projects!.Url, 'CREATE_CHILD_CONTAINER', { 'X-WOPI-SuggestedTarget': encodeUtf7('a/b:c') });
    expect(repaired.status).toBe(200);
    expect(repaired.body.ContainerPointer.Name).toBe('a_b_c');

    const exact = await post(app, projects!.Url, 'CREATE_CHILD_CONTAINER', { 'X-WOPI-RelativeTarget': encodeUtf7('Été 2026') });
    expect(exact.status).toBe(200);
    expect(exact.body.ContainerPointer.Name).toBe('Été 2026');
    const taken = await post(app, projects!.Url, 'CREATE_CHILD_CONTAINER', { 'X-WOPI-RelativeTarget': encodeUtf7('ÉTÉ 2026') });
    expect(taken.status).toBe(409);
    expect(taken.headers['x-wopi-lock']).toBe('');
    // A file's name is taken for a container too.
    expect((await post(app, projects!.Url, 'CREATE_CHILD_CONTAINER', { 'X-WOPI-RelativeTarget': 'plan.docx' })).status).toBe(409);
    for (const bad of ['..', 'a/b', 'CON', 'trailing.']) {
      const res = await post(app, projects!.Url, 'CREATE_CHILD_CONTAINER', { 'X-WOPI-RelativeTarget': encodeUtf7(bad) });
      expect([bad, res.status]).toEqual([bad, 400]);
    }
    const both = await post(app, projects!.Url, 'CREATE_CHILD_CONTAINER', { 'X-WOPI-RelativeTarget': 'x', 'X-WOPI-SuggestedTarget': 'y' });
    expect(both.status).toBe(501);
    expect((await post(app, projects!.Url, 'CREATE_CHILD_CONTAINER')).status).toBe(400);
    // The new container's URL works.
    const drafts = await request(app).get(local(first.body.ContainerPointer.Url));
    expect(drafts.body).toMatchObject({ Name: 'Drafts', BreadcrumbFolderName: 'Projects' });
  });

  test('CreateChildFile whose answer cannot be made (hostUrls fails): 500, the new file deleted again, no created event', async () => {
    const created: string[] = [];
    const hostUrls = async () => {
      throw new Error('host page service down');
    };
    const { app, fileId, t } = await setup({ hostUrls, events: { created: (e) => void created.push(e.fileId) } });
    const [, projects] = await ancestors(app, fileId, t);
    const listing = async () =>
      (await request(app).get(below(projects!.Url, 'children'))).body.ChildFiles.map((f: { Name: string }) => f.Name);
    const before = await listing();
    const res = await post(app, projects!.Url, 'CREATE_CHILD_FILE', { 'X-WOPI-RelativeTarget': encodeUtf7('new.docx') });
    expect(res.status).toBe(500);
    expect(await listing()).toEqual(before);
    expect(created).toEqual([]);
  });

  test('CreateChildFile: an empty file with PutRelativeFile’s name rules, and locks respected', async () => {
    const { app, fileId, t } = await setup();
    const [, projects] = await ancestors(app, fileId, t);
    const created = await post(app, projects!.Url, 'CREATE_CHILD_FILE', { 'X-WOPI-SuggestedTarget': encodeUtf7('plan.docx') });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({ Name: 'plan (1).docx', Url: expect.stringMatching(/\/wopi\/files\/[^/?]+\?access_token=/) });
    const cfi = await request(app).get(local(created.body.Url));
    expect(cfi.body).toMatchObject({ BaseFileName: 'plan (1).docx', Size: 0 });

    const exact = await post(app, projects!.Url, 'CREATE_CHILD_FILE', { 'X-WOPI-RelativeTarget': encodeUtf7('notes_v1.docx') });
    expect(exact.body.Name).toBe('notes_v1.docx');
    // Taken, without overwrite: 409 with the taken file's (empty) lock and a free name.
    const taken = await post(app, projects!.Url, 'CREATE_CHILD_FILE', { 'X-WOPI-RelativeTarget': 'plan.docx' });
    expect(taken.status).toBe(409);
    expect(taken.headers['x-wopi-lock']).toBe('');
    expect(taken.headers['x-wopi-validrelativetarget']).toBe('plan (2).docx');
    // Locked: 409 with its lock, with or without overwrite; the file is unchanged.
    expect((await lockReq(app, fileId, t, 'LOCK-1')).status).toBe(200);
    for (const overwrite of ['False', 'True']) {
      const locked = await post(app, projects!.Url, 'CREATE_CHILD_FILE', {
        'X-WOPI-RelativeTarget': 'plan.docx',
        'X-WOPI-OverwriteRelativeTarget': overwrite,
      });
      expect([overwrite, locked.status, locked.headers['x-wopi-lock']]).toEqual([overwrite, 409, 'LOCK-1']);
    }
    expect((await checkFileInfo(app, fileId, t)).body.Size).toBe(4);
    // Unlocked, with overwrite: replaced by an empty file, same ID.
    const budget = await post(app, projects!.Url, 'CREATE_CHILD_FILE', {
      'X-WOPI-RelativeTarget': 'BUDGET.xlsx',
      'X-WOPI-OverwriteRelativeTarget': 'True',
    });
    expect(budget.status).toBe(200);
    expect(budget.body.Name).toBe('budget.xlsx');
    expect((await request(app).get(local(budget.body.Url))).body.Size).toBe(0);
    for (const bad of ['..', 'a\\b.docx', 'nul.docx']) {
      expect((await post(app, projects!.Url, 'CREATE_CHILD_FILE', { 'X-WOPI-RelativeTarget': encodeUtf7(bad) })).status).toBe(400);
    }
    expect(
      (await post(app, projects!.Url, 'CREATE_CHILD_FILE', { 'X-WOPI-RelativeTarget': 'x.docx', 'X-WOPI-SuggestedTarget': 'y.docx' }))
        .status,
    ).toBe(501);
    // A host page hook is asked for the created file, as for PutRelativeFile.
    const withHost = createApp({
      storage: new MemoryStorage(),
      containers: true,
      hostUrls: ({ fileId: id }) => ({ HostEditUrl: `https://dms.example.com/edit/${id}` }),
    });
    const rootToken = await withHost.auth.issueResourceToken({
      resource: { type: 'container', containerId: 'root' },
      userId: 'u1',
      permissions: { write: true },
    });
    const hosted = await request(withHost.app)
      .post('/wopi/containers/root')
      .query({ access_token: rootToken.accessToken })
      .set('X-WOPI-Override', 'CREATE_CHILD_FILE')
      .set('X-WOPI-RelativeTarget', 'new.docx');
    expect(hosted.body.HostEditUrl).toMatch(/^https:\/\/dms\.example\.com\/edit\//);
  });

  test('RenameContainer keeps the container and its files reachable by their URLs; DeleteContainer only when empty', async () => {
    const { app, fileId, t } = await setup();
    const [root, projects] = await ancestors(app, fileId, t);
    const renamed = await post(app, projects!.Url, 'RENAME_CONTAINER', { 'X-WOPI-RequestedName': encodeUtf7('Projets 2026') });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toEqual({ Name: 'Projets 2026' });
    expect((await request(app).get(local(projects!.Url))).body.Name).toBe('Projets 2026');
    expect((await checkFileInfo(app, fileId, t)).status).toBe(200);
    expect((await ancestors(app, fileId, t)).map((c) => c.Name)).toEqual(['Documents', 'Projets 2026']);

    const bad = await post(app, projects!.Url, 'RENAME_CONTAINER', { 'X-WOPI-RequestedName': encodeUtf7('a/b') });
    expect(bad.status).toBe(400);
    expect(bad.headers['x-wopi-invalidcontainernameerror']).toMatch(/separator/);
    expect((await post(app, projects!.Url, 'RENAME_CONTAINER')).status).toBe(400);
    const rootRename = await post(app, root!.Url, 'RENAME_CONTAINER', { 'X-WOPI-RequestedName': 'Other' });
    expect(rootRename.status).toBe(400);
    expect(rootRename.headers['x-wopi-invalidcontainernameerror']).toBeTruthy();
    // A name a sibling has: 409.
    const sibling = await post(app, root!.Url, 'CREATE_CHILD_CONTAINER', { 'X-WOPI-RelativeTarget': 'Sibling' });
    const clash = await post(app, sibling.body.ContainerPointer.Url, 'RENAME_CONTAINER', {
      'X-WOPI-RequestedName': encodeUtf7('projets 2026'),
    });
    expect(clash.status).toBe(409);
    expect(clash.headers['x-wopi-lock']).toBe('');

    // Not empty: 409, nothing removed. Empty: gone, 404 on every container endpoint after.
    const notEmpty = await post(app, projects!.Url, 'DELETE_CONTAINER');
    expect(notEmpty.status).toBe(409);
    expect(notEmpty.headers['x-wopi-lock']).toBe('');
    expect((await post(app, root!.Url, 'DELETE_CONTAINER')).status).toBe(409);
    expect((await post(app, sibling.body.ContainerPointer.Url, 'DELETE_CONTAINER')).status).toBe(200);
    for (const path of ['', '/children', '/ancestry', '/ecosystem_pointer']) {
      const u = new URL(sibling.body.ContainerPointer.Url);
      expect([path, (await request(app).get(`${u.pathname}${path}${u.search}`)).status]).toEqual([path, 404]);
    }
    expect((await post(app, sibling.body.ContainerPointer.Url, 'DELETE_CONTAINER')).status).toBe(404);
    expect((await post(app, sibling.body.ContainerPointer.Url, 'RENAME_CONTAINER', { 'X-WOPI-RequestedName': 'x' })).status).toBe(404);
  });

  test('the ecosystem: GetEcosystem from a file and a container, CheckEcosystem, GetRootContainer', async () => {
    const { app, fileId, t } = await setup();
    const fromFile = await request(app)
      .get(`${fileUrl(fileId)}/ecosystem_pointer`)
      .query({ access_token: t });
    expect(fromFile.status).toBe(200);
    expect(fromFile.body.Url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/wopi\/ecosystem\?access_token=[^&]+$/);
    const [, projects] = await ancestors(app, fileId, t);
    const fromContainer = await request(app).get(below(projects!.Url, 'ecosystem_pointer'));
    expect(fromContainer.status).toBe(200);
    const eco = fromContainer.body.Url as string;
    expect((await request(app).get(local(eco))).body).toEqual({ SupportsContainers: true });
    const rootRes = await request(app).get(below(eco, 'root_container_pointer'));
    expect(rootRes.status).toBe(200);
    expect(rootRes.body.ContainerPointer.Name).toBe('Documents');
    const children = await request(app).get(below(rootRes.body.ContainerPointer.Url, 'children'));
    expect(children.body.ChildContainers.map((c: { Name: string }) => c.Name)).toEqual(['Projects']);
    // The ecosystem token opens the ecosystem only; a bad token is 401 there.
    const ecoToken = new URL(eco).searchParams.get('access_token') as string;
    expect((await checkFileInfo(app, fileId, ecoToken)).status).toBe(401);
    expect((await request(app).get('/wopi/ecosystem/root_container_pointer').query({ access_token: 'garbage' })).status).toBe(401);
    expect(
      (
        await request(app)
          .get(`${fileUrl('nope')}/ecosystem_pointer`)
          .query({ access_token: t })
      ).status,
    ).toBe(401);
  });

  test('GetShareUrl on a container, and SupportedShareUrlTypes in CheckContainerInfo', async () => {
    const { app, fileId, t } = await setup({
      shareUrls: { types: ['ReadWrite'], url: ({ target }) => `https://dms.example.com/share/${target.type}` },
    });
    const [, projects] = await ancestors(app, fileId, t);
    expect((await request(app).get(local(projects!.Url))).body.SupportedShareUrlTypes).toEqual(['ReadWrite']);
    const res = await post(app, projects!.Url, 'GET_SHARE_URL', { 'X-WOPI-UrlType': 'ReadWrite' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ShareUrl: 'https://dms.example.com/share/container' });
    expect((await post(app, projects!.Url, 'GET_SHARE_URL', { 'X-WOPI-UrlType': 'ReadOnly' })).status).toBe(501);
  });

  test('unknown overrides and methods on container URLs: 501; odd paths fall through to the app', async () => {
    const { app, fileId, t } = await setup();
    const [, projects] = await ancestors(app, fileId, t);
    for (const value of ['LOCK', 'PUT_RELATIVE', 'NONSENSE', 'DELETE']) {
      expect([value, (await post(app, projects!.Url, value)).status]).toEqual([value, 501]);
    }
    expect((await request(app).post(local(projects!.Url))).status).toBe(501);
    expect((await request(app).get('/wopi/containers/x/nothing')).status).toBe(404);
    expect((await request(app).get('/wopi/ecosystem/other')).status).toBe(404);
  });

  test('tokens in answers never outlive the token of the request (no token trading)', async () => {
    const { app, auth, fileId } = await setup();
    const short = (await auth.issueToken({ fileId, userId: 'u1', permissions: { write: true }, ttlSeconds: 60 })).accessToken;
    const exp = (token: string): number => JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()).exp;
    const tokenOf = (url: string): string => new URL(url).searchParams.get('access_token') as string;
    const limit = exp(short);
    const chain = await ancestors(app, fileId, short);
    const children = await request(app).get(below(chain[1]!.Url, 'children'));
    const eco = await request(app)
      .get(`${fileUrl(fileId)}/ecosystem_pointer`)
      .query({ access_token: short });
    const saveAs = await request(app)
      .post(fileUrl(fileId))
      .query({ access_token: short })
      .set('X-WOPI-Override', 'PUT_RELATIVE')
      .set('X-WOPI-SuggestedTarget', '.pdf')
      .send('pdf');
    const urls = [...chain.map((c) => c.Url), children.body.ChildFiles[0].Url, eco.body.Url, saveAs.body.Url];
    for (const url of urls) {
      expect(exp(tokenOf(url))).toBeLessThanOrEqual(limit);
      expect(exp(tokenOf(url))).toBeGreaterThan(limit - 5);
    }
  });

  test('an accessTokenTtl in seconds (not milliseconds) is ignored rather than making every derived token last 1 s', async () => {
    const tree = await makeTree();
    trees.push(tree);
    const { auth: jwt } = createApp({ storage: tree.storage });
    const secondsAuth: WopiAuth = {
      authenticate: async (token, id) => ({ ...(await jwt.authenticate(token, id)), accessTokenTtl: Math.floor(Date.now() / 1000) + 60 }),
      issueToken: (r) => jwt.issueToken(r),
      authenticateResource: (token, r) => jwt.authenticateResource(token, r),
      issueResourceToken: (r) => jwt.issueResourceToken(r),
    };
    const { app } = createApp({ storage: tree.storage, auth: secondsAuth, containers: true });
    const t = (await jwt.issueToken({ fileId: tree.fileId, userId: 'u1', permissions: { write: true } })).accessToken;
    const [root] = await ancestors(app, tree.fileId, t);
    const token = new URL(root!.Url).searchParams.get('access_token') as string;
    const exp = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()).exp as number;
    // The auth's default lifetime (JwtAuth: 10 hours), not one second.
    expect(exp - Math.floor(Date.now() / 1000)).toBeGreaterThan(3600);
  });

  test('a user who may create but not write creates files and folders, and cannot overwrite', async () => {
    const { app, fileId, token } = await setup();
    const creator = await token(fileId, { write: false, create: true });
    const [, projects] = await ancestors(app, fileId, creator);
    const info = (await request(app).get(local(projects!.Url))).body;
    expect(info).toMatchObject({
      UserCanCreateChildFile: true,
      UserCanCreateChildContainer: true,
      UserCanDelete: false,
      UserCanRename: false,
    });
    expect((await post(app, projects!.Url, 'CREATE_CHILD_FILE', { 'X-WOPI-RelativeTarget': 'new.docx' })).status).toBe(200);
    expect((await post(app, projects!.Url, 'CREATE_CHILD_CONTAINER', { 'X-WOPI-RelativeTarget': 'New' })).status).toBe(200);
    const overwrite = await post(app, projects!.Url, 'CREATE_CHILD_FILE', {
      'X-WOPI-RelativeTarget': 'plan.docx',
      'X-WOPI-OverwriteRelativeTarget': 'True',
    });
    expect(overwrite.status).toBe(501);
    expect((await checkFileInfo(app, fileId, await token(fileId))).body.Size).toBe(4);
    expect((await post(app, projects!.Url, 'DELETE_CONTAINER')).status).toBe(401);
    expect((await post(app, projects!.Url, 'RENAME_CONTAINER', { 'X-WOPI-RequestedName': 'x' })).status).toBe(401);
  });

  test.each(['..', '../..', '.', '/etc', 'a/b', '.express-wopi', '\u0000', 'x'.repeat(300)])(
    'a container ID %j that names no container is 404 on every container endpoint, with a token made for it',
    async (id) => {
      const { app, auth } = await setup();
      const { accessToken } = await auth.issueResourceToken({
        resource: { type: 'container', containerId: id },
        userId: 'u1',
        permissions: { write: true },
      });
      const base = `/wopi/containers/${encodeURIComponent(id)}`;
      for (const [method, suffix, override] of [
        ['get', '', undefined],
        ['get', '/children', undefined],
        ['get', '/ancestry', undefined],
        ['get', '/ecosystem_pointer', undefined],
        ['post', '', 'CREATE_CHILD_CONTAINER'],
        ['post', '', 'CREATE_CHILD_FILE'],
        ['post', '', 'RENAME_CONTAINER'],
        ['post', '', 'DELETE_CONTAINER'],
      ] as const) {
        let req = request(app)[method](`${base}${suffix}`).query({ access_token: accessToken });
        if (override !== undefined)
          req = req.set('X-WOPI-Override', override).set('X-WOPI-RelativeTarget', 'x.docx').set('X-WOPI-RequestedName', 'x');
        const res = await req;
        expect([method, suffix, override, res.status]).toEqual([method, suffix, override, 404]);
        expectNoToken(res, accessToken);
      }
    },
  );

  test('a storage with only some container methods is refused when the router is created', () => {
    const storage = new MemoryStorage();
    const partial = {
      getFileInfo: storage.getFileInfo.bind(storage),
      readFile: storage.readFile.bind(storage),
      writeFile: storage.writeFile.bind(storage),
      getContainerInfo: storage.getContainerInfo.bind(storage),
    };
    expect(() => createApp({ storage: partial })).toThrow(/WOPI_ADAPTER_SHAPE/);
    expect(() => createApp({ storage: partial })).toThrow(/getRootContainerId/);
  });
});

describe('a container the storage cannot rename', () => {
  test('FileSystemStorage, the folder holding metadataDir: UserCanRename false, and RenameContainer 400 as it said', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'express-wopi-containers-meta-'));
    trees.push({ storage: new MemoryStorage(), fileId: '', cleanup: () => rm(root, { recursive: true, force: true }) });
    await mkdir(path.join(root, 'Projects'), { recursive: true });
    await mkdir(path.join(root, 'Other'), { recursive: true });
    await writeFile(path.join(root, 'Projects', 'plan.docx'), 'plan');
    await writeFile(path.join(root, 'Other', 'note.docx'), 'note');
    const storage = new FileSystemStorage({ root, metadataDir: path.join(root, 'Projects', 'meta') });
    const { app, token } = createApp({ storage, containers: true });
    const [, projects] = await ancestors(
      app,
      await storage.fileIdFor('Projects/plan.docx'),
      await token(await storage.fileIdFor('Projects/plan.docx')),
    );
    const [, other] = await ancestors(
      app,
      await storage.fileIdFor('Other/note.docx'),
      await token(await storage.fileIdFor('Other/note.docx')),
    );

    expect((await request(app).get(local(projects!.Url))).body).toMatchObject({
      Name: 'Projects',
      UserCanRename: false,
      UserCanDelete: true,
    });
    expect((await request(app).get(local(other!.Url))).body).toMatchObject({ Name: 'Other', UserCanRename: true, UserCanDelete: true });
    expect(await storage.getContainerInfo(await storage.containerIdFor('Projects'))).toMatchObject({ renamable: false });
    expect(await storage.getContainerInfo(await storage.containerIdFor('Other'))).not.toHaveProperty('renamable');

    const refused = await post(app, projects!.Url, 'RENAME_CONTAINER', { 'X-WOPI-RequestedName': encodeUtf7('Renamed') });
    expect(refused.status).toBe(400);
    expect((await post(app, other!.Url, 'RENAME_CONTAINER', { 'X-WOPI-RequestedName': encodeUtf7('Renamed') })).status).toBe(200);
  });
});
