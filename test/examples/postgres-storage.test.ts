/**
 * examples/postgres-storage against a real PostgreSQL: the published WopiStorage (every
 * capability), WopiContainerStorage and WopiUserInfoStore contracts, and what the contracts cannot
 * see from one instance: several instances (as several processes would run them) sharing the
 * tables, downloads that overlap a save, and what a failed save leaves behind.
 *
 * DATABASE_URL names the database (default: the one .ci/postgres.sh creates). Without PostgreSQL
 * there, the tests are skipped, and this says so; with EXPRESS_WOPI_REQUIRE_POSTGRES=1 (CI) that
 * fails the run instead. Each run works in a schema of its own and drops it at the end.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { Pool } from 'pg';
import type { WopiContainerStorage, WopiStorage, WopiUserInfoStore, WopiWriteContext } from '../../src';
import { noteSkip } from '../helpers/skips';
import { describeWopiContainerStorage, describeWopiStorage, describeWopiUserInfoStore } from '../../src/testing';

// The example is plain JavaScript that loads the built package (dist/), as a user's code would.
interface ExampleOptions {
  pool: Pool;
  schema?: string;
  tablePrefix?: string;
  chunkSize?: number;
  readAheadChunks?: number;
}
type ExampleStorage = WopiStorage &
  WopiContainerStorage & {
    addFile(name: string, content: Buffer | string): Promise<string>;
    list(): Promise<Array<{ fileId: string; name: string; folder: string; path: string }>>;
    sweep(options?: { keepReleasedMs?: number; abandonStagedMs?: number }): Promise<number>;
  };
const { PgStorage } = require('../../examples/postgres-storage/storage') as {
  PgStorage: new (options: ExampleOptions) => ExampleStorage;
};
const { PgUserInfoStore } = require('../../examples/postgres-storage/user-info') as {
  PgUserInfoStore: new (options: ExampleOptions) => WopiUserInfoStore;
};
const { migrate } = require('../../examples/postgres-storage/schema') as {
  migrate: (pool: Pool, options: { schema?: string; tablePrefix?: string }) => Promise<void>;
};

const DEFAULT_URL = 'postgres://express_wopi:express_wopi@127.0.0.1:5432/express_wopi_test';
const url = process.env.DATABASE_URL || DEFAULT_URL;
const required = process.env.EXPRESS_WOPI_REQUIRE_POSTGRES === '1';

/**
 * Whether PostgreSQL answers at `url`, asked once, synchronously (jest defines tests before any
 * of them runs): a child process connects and runs SELECT 1.
 */
function probe(): string | undefined {
  const script = `
    const { Client } = require(process.argv[1]);
    const client = new Client({ connectionString: process.argv[2], connectionTimeoutMillis: 3000 });
    client.connect().then(() => client.query('SELECT 1')).then(() => client.end()).then(
      () => process.exit(0),
      (err) => { process.stderr.write(String(err.message || err)); process.exit(1); },
    );`;
  try {
    execFileSync(process.execPath, ['-e', script, require.resolve('pg'), url], { stdio: 'pipe', timeout: 10_000 });
    return undefined;
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    return stderr || (err as Error).message;
  }
}

const unreachable = probe();
const shownUrl = url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');

if (unreachable !== undefined) {
  const message = `PostgreSQL is not reachable at ${shownUrl} (${unreachable})`;
  describe('examples/postgres-storage on PostgreSQL', () => {
    if (required) {
      test('PostgreSQL is reachable (EXPRESS_WOPI_REQUIRE_POSTGRES=1)', () => {
        throw new Error(`${message}, and EXPRESS_WOPI_REQUIRE_POSTGRES=1 requires it. Run .ci/postgres.sh, or set DATABASE_URL.`);
      });
    } else {
      process.stderr.write(
        `\n${message}: the postgres-storage tests are skipped. Run .ci/postgres.sh (or set DATABASE_URL) to run them.\n`,
      );
      test.skip(`not run: ${message}; run .ci/postgres.sh or set DATABASE_URL`, () => undefined);
      noteSkip('PostgreSQL (examples/postgres-storage)', `${message}; run .ci/postgres.sh or set DATABASE_URL`);
    }
  });
} else {
  describe('examples/postgres-storage on PostgreSQL', () => {
    // A schema of this run's own, dropped at the end; a table prefix per fixture inside it, so that
    // every fixture starts empty, as the contract suites need.
    const schema = `express_wopi_test_${process.pid}_${randomBytes(4).toString('hex')}`;
    let pool: Pool;
    let fixtures = 0;

    beforeAll(() => {
      pool = new Pool({ connectionString: url, max: 10 });
      pool.on('error', () => undefined); // an idle connection dropped by the server
    });
    afterAll(async () => {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    });

    /** Fresh tables for one fixture, and a function that drops them again. */
    const freshTables = async () => {
      const tablePrefix = `f${++fixtures}_`;
      await migrate(pool, { schema, tablePrefix });
      const drop = async () => {
        const tables = ['user_info', 'entries', 'chunks', 'blobs'].map((t) => `"${schema}"."${tablePrefix}${t}"`);
        await pool.query(`DROP TABLE IF EXISTS ${tables.join(', ')} CASCADE`);
      };
      return { options: { pool, schema, tablePrefix }, drop };
    };

    // Small chunks, so that the suites' bodies span many chunk rows and read pages.
    const tuning = { chunkSize: 64 * 1024, readAheadChunks: 3 };

    describeWopiStorage(
      'examples/postgres-storage PgStorage',
      async () => {
        const { options, drop } = await freshTables();
        const storage = new PgStorage({ ...options, ...tuning });
        return { storage, addFile: (name, content) => storage.addFile(name, content), cleanup: drop };
      },
      { capabilities: ['relative', 'rename', 'delete'] }, // and the default 8 MiB round trip
    );

    describeWopiContainerStorage(
      'examples/postgres-storage PgStorage',
      async () => {
        const { options, drop } = await freshTables();
        return { storage: new PgStorage({ ...options, ...tuning }), cleanup: drop };
      },
      { capabilities: ['relative', 'rename', 'delete'] },
    );

    describe('PgUserInfoStore', () => {
      // One table for every test: the suite gives each test user IDs of its own.
      let options: ExampleOptions;
      beforeAll(async () => {
        options = { pool, schema, tablePrefix: 'users_' };
        await migrate(pool, options);
      });
      describeWopiUserInfoStore(
        'examples/postgres-storage PgUserInfoStore',
        () => ({ store: new PgUserInfoStore(options), reopen: () => new PgUserInfoStore(options) }),
        { persistent: true },
      );
    });

    describe('several instances over the same tables (as several processes)', () => {
      // Each instance has a pool of its own: separate connections, no shared memory. Whatever keeps
      // them correct is in the database: the row lock and the unique index.
      let pools: Pool[] = [];
      let a: ExampleStorage;
      let b: ExampleStorage;
      let tables: Awaited<ReturnType<typeof freshTables>>;
      beforeEach(async () => {
        tables = await freshTables();
        pools = [0, 1].map(() => {
          const p = new Pool({ connectionString: url, max: 4 });
          p.on('error', () => undefined);
          return p;
        });
        a = new PgStorage({ ...tables.options, pool: pools[0]!, ...tuning });
        b = new PgStorage({ ...tables.options, pool: pools[1]!, ...tuning });
      });
      afterEach(async () => {
        await Promise.all(pools.map((p) => p.end()));
        await tables.drop();
      });

      const context = (commit: WopiWriteContext['commit'] = async () => {}): WopiWriteContext => ({
        userId: 'test-user',
        editors: [],
        signal: new AbortController().signal,
        commit,
      });
      const contentOf = async (storage: ExampleStorage, id: string) => {
        const parts: Buffer[] = [];
        for await (const part of (await storage.readFile(id)).stream) parts.push(part as Buffer);
        return Buffer.concat(parts);
      };
      const count = async (sql: string) => Number((await pool.query(sql)).rows[0].n);
      const table = (name: string) => `"${schema}"."${tables.options.tablePrefix}${name}"`;

      test('migrate() run by several processes at once on an empty schema, and again: one set of tables, one root', async () => {
        const tablePrefix = `${tables.options.tablePrefix}m_`;
        try {
          await Promise.all([...pools, pool, ...pools].map((p) => migrate(p, { schema, tablePrefix })));
          await Promise.all(pools.map((p) => migrate(p, { schema, tablePrefix })));
          expect(await count(`SELECT count(*) AS n FROM "${schema}"."${tablePrefix}entries"`)).toBe(1);
        } finally {
          const names = ['user_info', 'entries', 'chunks', 'blobs'].map((t) => `"${schema}"."${tablePrefix}${t}"`);
          await pool.query(`DROP TABLE IF EXISTS ${names.join(', ')} CASCADE`);
        }
      });

      test('12 concurrent saves to one file through two instances: all succeed, one whole body, 12 new versions', async () => {
        const id = await a.addFile('shared.docx', 'old');
        const bodies = Array.from({ length: 12 }, (_, i) => Buffer.alloc(100_000 + i, 65 + i));
        const results = await Promise.all(bodies.map((body, i) => (i % 2 ? a : b).writeFile(id, Readable.from([body]), context())));
        const info = await b.getFileInfo(id);
        expect(info.version).toBe('13');
        expect(results.map((r) => r.version).sort()).toEqual(Array.from({ length: 12 }, (_, i) => String(i + 2)).sort());
        const final = await contentOf(a, id);
        expect(bodies.some((body) => body.equals(final))).toBe(true);
        expect(info.size).toBe(final.length);
        // Only the final blob is live; the eleven it replaced and the first are released.
        expect(await count(`SELECT count(*) AS n FROM ${table('blobs')} WHERE state = 'live'`)).toBe(1);
        expect(await count(`SELECT count(*) AS n FROM ${table('blobs')} WHERE state = 'staged'`)).toBe(0);
      });

      test('concurrent Save As with the same candidates through two instances: distinct names and IDs', async () => {
        const original = await a.addFile('report.docx', 'original');
        const candidates = ['copy.docx', ...Array.from({ length: 20 }, (_, i) => `copy (${i + 1}).docx`)];
        const created = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            (i % 2 ? a : b).createRelativeFile!(
              original,
              Readable.from([Buffer.from(`copy ${i}`)]),
              { candidates, overwrite: false },
              context(),
            ),
          ),
        );
        expect(created.map((c) => c.info.name).sort()).toEqual(candidates.slice(0, 12).sort());
        expect(new Set(created.map((c) => c.fileId)).size).toBe(12);
      });

      test('a folder deleted through one instance while files are created in it through the other: never both', async () => {
        const root = await a.getRootContainerId('test-user');
        for (let round = 0; round < 10; round++) {
          const folder = (await a.createChildContainer(root, [`race ${round}`])).containerId;
          const [created, deleted] = await Promise.allSettled([
            b.createChildFile(folder, Readable.from([]), { candidates: ['new.docx'], overwrite: false }, context()),
            a.deleteContainer(folder),
          ]);
          // Either the file landed and the delete found the folder not empty, or the delete won and
          // the create found no folder.
          const outcome = [created.status, deleted.status === 'rejected' ? (deleted.reason as { status: number }).status : 'deleted'];
          expect([
            ['fulfilled', 409],
            ['rejected', 'deleted'],
          ]).toContainEqual(outcome);
          if (created.status === 'rejected') expect((created.reason as { status: number }).status).toBe(404);
        }
        // No live file in a deleted folder.
        expect(
          await count(
            `SELECT count(*) AS n FROM ${table('entries')} f JOIN ${table('entries')} p ON p.id = f.parent_id
              WHERE f.deleted_at IS NULL AND p.deleted_at IS NOT NULL`,
          ),
        ).toBe(0);
      });

      test('a save arriving through one instance while the other deletes the file: 404, nothing left behind', async () => {
        const id = await a.addFile('gone.docx', 'old');
        const body = new PassThrough();
        const writing = a.writeFile(id, body, context()).then(
          () => 'resolved',
          (err: { status?: number }) => err.status,
        );
        body.write(Buffer.alloc(200_000, 1)); // several chunk rows, staged
        await new Promise((resolve) => setTimeout(resolve, 50));
        await b.deleteFile!(id);
        body.end(Buffer.alloc(10, 2));
        expect(await writing).toBe(404);
        expect(await count(`SELECT count(*) AS n FROM ${table('blobs')} WHERE state <> 'released'`)).toBe(0);
        // Released content stays for downloads in progress until a sweep after keepReleasedMs.
        expect(await a.sweep({ keepReleasedMs: 0 })).toBe(1);
        expect(await count(`SELECT count(*) AS n FROM ${table('chunks')}`)).toBe(0);
      });

      test('failed saves leave no chunks: a body that fails, a refused commit step', async () => {
        const id = await a.addFile('a.docx', 'precious');
        const failing = new PassThrough();
        const writing = a.writeFile(id, failing, context());
        failing.write(Buffer.alloc(150_000, 1));
        setTimeout(() => failing.destroy(new Error('client went away')), 20);
        await expect(writing).rejects.toThrow('client went away');
        const refusal = new Error('refused');
        await expect(
          b.writeFile(
            id,
            Readable.from([Buffer.alloc(150_000, 2)]),
            context(async () => {
              throw refusal;
            }),
          ),
        ).rejects.toBe(refusal);
        expect((await contentOf(b, id)).toString()).toBe('precious');
        expect(await count(`SELECT count(*) AS n FROM ${table('blobs')}`)).toBe(1);
      });

      test('a download that started before a save streams the old content whole', async () => {
        const old = Buffer.alloc(600_000, 0x61); // ten chunks, four read pages
        const id = await a.addFile('big.docx', old);
        const { info, stream } = await a.readFile(id);
        const parts: Buffer[] = [];
        const iterator = stream[Symbol.asyncIterator]();
        parts.push((await iterator.next()).value as Buffer);
        await b.writeFile(id, Readable.from([Buffer.from('new')]), context());
        expect(await a.sweep()).toBe(0); // released just now: kept for readers like this one
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) parts.push(next.value as Buffer);
        expect(Buffer.concat(parts).equals(old)).toBe(true);
        expect(info.size).toBe(old.length);
        expect((await contentOf(a, id)).toString()).toBe('new');
      });

      test('a download whose content is swept under it fails instead of ending short', async () => {
        const id = await a.addFile('big.docx', Buffer.alloc(600_000, 0x61));
        const { stream } = await a.readFile(id);
        const iterator = stream[Symbol.asyncIterator]();
        await iterator.next();
        await b.writeFile(id, Readable.from([Buffer.from('new')]), context());
        expect(await b.sweep({ keepReleasedMs: 0 })).toBe(1);
        const drain = async () => {
          for (let next = await iterator.next(); !next.done; next = await iterator.next());
        };
        await expect(drain()).rejects.toThrow('swept while it was being read');
      });

      test('list() gives every live file with its path', async () => {
        const root = await a.getRootContainerId('test-user');
        const reports = (await a.createChildContainer(root, ['Reports'])).containerId;
        const top = await a.addFile('top.docx', 'x');
        const inner = await b.createChildFile(reports, Readable.from([]), { candidates: ['plan.docx'], overwrite: false }, context());
        await b.deleteFile!(await a.addFile('gone.docx', 'x'));
        expect(await b.list()).toEqual([
          { fileId: inner.fileId, name: 'plan.docx', folder: reports, path: 'Reports/plan.docx' },
          { fileId: top, name: 'top.docx', folder: root, path: 'top.docx' },
        ]);
      });
    });
  });
}
