/**
 * The PostgreSQL directory at scale: BENCH_DIRECTORY_FILES (1,000,000) files of one segment each,
 * three holders a segment, over 100 users, one of whom has 10,000. Rows are made in bulk with
 * generate_series (the bench measures reads and commits, not the load), then through the
 * directory's own methods it times:
 *
 * - `ls`: the listing of the user with 10,000 files (listFiles), median and worst of 5;
 * - a commit's p99 over 500 new versions of that user's files (commitVersion);
 * - the lookup of a segment's holders (segmentInfo of one list), p50 / p99 over 1,000.
 *
 * Part of `npm run bench:master`; BENCH_DIRECTORY_FILES=0 skips it.
 */
import { asChunkHash, asFileId, asPeerId, type Manifest } from '@meshdrive/core';
import { PgDirectory } from '../../apps/signal/src/directory/pg-directory.js';
import { startPostgres } from '../../apps/signal/src/local-servers.js';
import { Database } from '../../apps/signal/src/postgres/database.js';
import type { Row } from './stats.js';

const FILES = Number(process.env.BENCH_DIRECTORY_FILES ?? 1_000_000);
const BIG_USER_FILES = 10_000;
const USERS = 100;

const quantile = (values: number[], q: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;

async function timed<T>(run: () => Promise<T>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

export async function runDirectoryBench(): Promise<Row[]> {
  if (FILES <= 0) return [];
  const postgres = await startPostgres();
  try {
    const url = await postgres.createDatabase();
    const database = await Database.open(url);
    const directory = new PgDirectory(database);
    const loadStarted = performance.now();
    // File i: owner big for the first 10,000, else user (i % 100); its one segment's list hash is md5-based, 64 hex.
    await database.query(`INSERT INTO files (owner, name, file_id, version, fence)
      SELECT CASE WHEN i <= ${BIG_USER_FILES} THEN 'big' ELSE 'user' || (i % ${USERS}) END, 'file-' || i, 'f' || i, 1, 0 FROM generate_series(1, $1) AS i`, [FILES]);
    await database.query(`INSERT INTO versions (file_id, version, owner, name, size, chunk_size, segment_chunks, codec, replication, created_at, sealed)
      SELECT f.file_id, 1, f.owner, f.name, 1048576, 1024, 1024, NULL, 3, 1764633600000 + length(f.file_id), NULL FROM files f`);
    await database.query(`INSERT INTO segments (file_id, version, idx, list_hash, plain_size, stored_size)
      SELECT file_id, 1, 0, md5(file_id) || md5('x' || file_id), 1048576, 1048576 FROM files`);
    await database.query(`INSERT INTO segment_holders (list_hash, peer_id, position)
      SELECT s.list_hash, 'peer-' || ((abs(hashtext(s.file_id)) + p) % 50), p FROM segments s, generate_series(0, 2) AS p`);
    await database.query('ANALYZE');
    const loadSeconds = (performance.now() - loadStarted) / 1000;

    const listings: number[] = [];
    let listed = 0;
    for (let run = 0; run < 5; run++) {
      listings.push(await timed(async () => {
        listed = (await directory.listFiles('big')).length;
      }));
    }
    if (listed !== BIG_USER_FILES) throw new Error(`listed ${listed} files, not ${BIG_USER_FILES}`);

    const commits: number[] = [];
    for (let i = 1; i <= 500; i++) {
      const list = asChunkHash(`${i.toString(16).padStart(8, '0')}${'a'.repeat(56)}`);
      const manifest: Manifest = {
        fileId: asFileId(`f${i}`), name: `file-${i}`, owner: 'big', version: 0, size: 1024, chunkSize: 1024, segmentChunks: 1024, createdAt: Date.now(),
        segments: [{ listHash: list, plainSize: 1024, storedSize: 1024, holders: ['peer-1', 'peer-2', 'peer-3'].map(asPeerId) }],
      };
      commits.push(await timed(async () => {
        if (!(await directory.commitVersion(manifest, 1))) throw new Error(`commit ${i} refused`);
      }));
    }

    const { rows } = await database.query<{ list_hash: string }>('SELECT list_hash FROM segments TABLESAMPLE SYSTEM (1) LIMIT 1000');
    const lookups: number[] = [];
    for (const { list_hash: list } of rows) {
      lookups.push(await timed(async () => {
        if (!(await directory.segmentInfo([list])).has(list)) throw new Error(`no holders for ${list}`);
      }));
    }
    await directory.close();
    const files = FILES.toLocaleString('en');
    return [
      { metric: `PostgreSQL directory of ${files} files (loaded in bulk in ${loadSeconds.toFixed(0)} s): ls of one user's ${BIG_USER_FILES.toLocaleString('en')}`, value: `${quantile(listings, 0.5).toFixed(0)} ms (worst of 5: ${Math.max(...listings).toFixed(0)} ms)` },
      { metric: `… a commit (new version, one segment, 3 holders), p50 / p99 of 500`, value: `${quantile(commits, 0.5).toFixed(1)} / ${quantile(commits, 0.99).toFixed(1)} ms` },
      { metric: `… a segment's holders, p50 / p99 of ${lookups.length}`, value: `${quantile(lookups, 0.5).toFixed(2)} / ${quantile(lookups, 0.99).toFixed(2)} ms` },
    ];
  } finally {
    await postgres.stop();
  }
}
