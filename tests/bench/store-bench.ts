/**
 * Disk chunk stores on their own, for the bench table: a peer's share of a write is storing
 * 1024-chunk segments of 1 KiB chunks (looked up first, as an Offer does, then put in batches
 * of 60, as Pushes arrive) and its share of a read is getting them back in slices of
 * GET_SLICE_CHUNKS, as a Get reads them.
 * Measured as CPU time, the resource the mesh runs short of, for the pack store disk peers use
 * and for SQLite rows, the store it replaced.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GET_SLICE_CHUNKS, PackStore, SqliteStore, type HashBytes, type PeerStore, type StoredChunk } from '@meshdrive/core';

const SEGMENT_CHUNKS = 1024;
const BATCH_CHUNKS = 60;

export interface StoreBenchResult {
  name: string;
  writeMsPerMiB: number;
  readMsPerMiB: number;
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

async function measure(store: PeerStore, mib: number): Promise<{ writeMsPerMiB: number; readMsPerMiB: number }> {
  const segments: HashBytes[][] = [];
  let writeMs = 0;
  for (let s = 0; s < mib; s++) {
    const segment: StoredChunk[] = Array.from({ length: SEGMENT_CHUNKS }, () => {
      const bytes = randomBytes(1024);
      return { hash: createHash('sha256').update(bytes).digest(), bytes };
    });
    segments.push(segment.map((chunk) => chunk.hash));
    const started = process.cpuUsage();
    await store.hasMany(segment.map((chunk) => chunk.hash));
    const puts: Promise<void>[] = [];
    for (let i = 0; i < SEGMENT_CHUNKS; i += BATCH_CHUNKS) puts.push(store.putMany(segment.slice(i, i + BATCH_CHUNKS), { lazy: true }));
    await store.commit();
    await Promise.all(puts);
    writeMs += cpuMs(started);
  }
  const started = process.cpuUsage();
  for (const hashes of segments) {
    for (let i = 0; i < hashes.length; i += GET_SLICE_CHUNKS) await store.getMany(hashes.slice(i, i + GET_SLICE_CHUNKS));
  }
  return { writeMsPerMiB: writeMs / mib, readMsPerMiB: cpuMs(started) / mib };
}

export async function runStoreBench(mib: number): Promise<StoreBenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'meshdrive-store-bench-'));
  try {
    const stores: [string, (path: string) => Promise<PeerStore>][] = [
      ['pack files (disk peers)', (path) => PackStore.open(path)],
      ['SQLite rows (the store packs replaced)', (path) => Promise.resolve(new SqliteStore(join(path, 'chunks.db')))],
    ];
    const results: StoreBenchResult[] = [];
    for (const [name, open] of stores) {
      const store = await open(join(dir, String(results.length)));
      try {
        results.push({ name, ...(await measure(store, mib)) });
      } finally {
        await store.close();
      }
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
