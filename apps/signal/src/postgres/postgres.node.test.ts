/**
 * The masters' shared database against a real PostgreSQL (Debian's, started on a socket in a
 * temporary directory): the directory, account store, lock and send lease acceptance suites, the migrations, two
 * directories on one database (two masters) racing for the same name, and the shared secrets.
 */
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { asChunkHash, asFileId, asPeerId, StoreError, type Manifest } from '@meshdrive/core';
import { ManualClock } from '@meshdrive/core/testing';
import { runAccountStoreTests } from '../accounts/account-store-acceptance.js';
import { PgAccountStore } from '../accounts/pg-account-store.js';
import { TokenAuthority } from '../accounts/tokens.js';
import { runDirectoryTests } from '../directory/directory-acceptance.js';
import { PgDirectory } from '../directory/pg-directory.js';
import { runLockServiceTests } from '../services/lock-service-acceptance.js';
import { PgLocks } from '../state/pg-locks.js';
import { PgSendLeases } from '../state/pg-send-leases.js';
import { runSendLeaseTests, TEST_SEND_TIMING } from '../state/send-leases-acceptance.js';
import { startPostgres, type LocalPostgres } from '../local-servers.js';
import { Database, MIGRATIONS } from './database.js';

let started: Promise<LocalPostgres> | undefined;
const postgres = (): Promise<LocalPostgres> => (started ??= startPostgres({ fsync: false }));
afterAll(async () => {
  await (await started)?.stop();
});

runDirectoryTests('PgDirectory', async () => PgDirectory.open(await (await postgres()).createDatabase()));
runAccountStoreTests('PostgreSQL', async () => new PgAccountStore(await Database.open(await (await postgres()).createDatabase())));
runLockServiceTests('PgLocks', async () => new PgLocks(await Database.open(await (await postgres()).createDatabase())));
runSendLeaseTests('PostgreSQL', async () => new PgSendLeases(await Database.open(await (await postgres()).createDatabase()), TEST_SEND_TIMING));

const manifest = (name: string, fileId: string, list: string): Manifest => ({
  fileId: asFileId(fileId),
  name,
  owner: 'ada',
  version: 0,
  size: 1,
  chunkSize: 1024,
  segmentChunks: 1024,
  createdAt: Date.now(),
  segments: [{ listHash: asChunkHash(list.repeat(64)), plainSize: 1, storedSize: 1, holders: [asPeerId('p1'), asPeerId('p2')] }],
});

describe('PgDirectory on a shared database', () => {
  it('migrates once when several masters open a new database together, and keeps the schema on reopening', async () => {
    const url = await (await postgres()).createDatabase();
    const directories = await Promise.all([1, 2, 3].map(() => PgDirectory.open(url)));
    await directories[0]!.commitVersion(manifest('a.txt', 'f1', 'a'), 0);
    await Promise.all(directories.map((directory) => directory.close()));
    const again = await PgDirectory.open(url);
    expect(await again.findFile('ada', 'a.txt')).toMatchObject({ version: 1 });
    await again.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<{ version: number }>('SELECT version FROM meshdrive_schema ORDER BY version');
    expect(rows.map((row) => row.version)).toEqual(MIGRATIONS.map((_, index) => index + 1));
    await client.end();
  });

  it('refuses a database whose schema is newer than its own, changing nothing', async () => {
    const url = await (await postgres()).createDatabase();
    await (await PgDirectory.open(url)).close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('INSERT INTO meshdrive_schema (version) VALUES ($1)', [MIGRATIONS.length + 1]);
    await client.end();
    const opened = PgDirectory.open(url);
    await expect(opened).rejects.toThrow(StoreError);
    await expect(opened).rejects.toThrow(/newer than this master's/);
  });

  it('lets exactly one of two masters commit each contested version', async () => {
    const url = await (await postgres()).createDatabase();
    const [first, second] = await Promise.all([PgDirectory.open(url), PgDirectory.open(url)]);
    for (let base = 0; base < 20; base++) {
      const results = await Promise.all([
        first.commitVersion(manifest('race.bin', 'f1', String(base % 10)), base),
        second.commitVersion(manifest('race.bin', 'f1', String((base + 1) % 10)), base),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
    }
    expect(await first.findFile('ada', 'race.bin')).toMatchObject({ version: 20 });
    expect(await second.listVersions(asFileId('f1'))).toHaveLength(20);
    // Fencing tokens come from one sequence: unique and growing, whichever master asks.
    const fences = await Promise.all(Array.from({ length: 20 }, (_, index) => (index % 2 ? first : second).nextFence()));
    expect(new Set(fences).size).toBe(20);
    await Promise.all([first.close(), second.close()]);
  });
});

describe('the masters\' shared secrets', () => {
  it('gives every master the one secret whichever made it, and a token one master signs verifies on another', async () => {
    const url = await (await postgres()).createDatabase();
    const databases = await Promise.all([1, 2, 3].map(() => Database.open(url)));
    let made = 0;
    const secrets = await Promise.all(databases.map((database) => database.secret('join-secret', () => `secret-${++made}`)));
    expect(new Set(secrets).size).toBe(1);
    expect(await databases[0]!.secret('join-secret', () => 'another')).toBe(secrets[0]);

    const clock = new ManualClock(Date.UTC(2026, 11, 2));
    const [first, second] = await Promise.all(databases.slice(0, 2).map((database) => TokenAuthority.open((make) => database.secret('master-key', make), clock)));
    expect(second!.publicJwk).toEqual(first!.publicJwk);
    const { token } = await first!.issueAccess('ada', 60_000);
    await expect(second!.verifyAccess(token)).resolves.toMatchObject({ user: 'ada' });
    await Promise.all(databases.map((database) => database.close()));
  });
});
