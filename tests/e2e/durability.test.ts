/**
 * Acknowledged means durable (issue 17): a storage peer whose process is SIGKILLed while it
 * writes reopens its store with every segment it had confirmed, chunks, list and pin, however
 * many writes were cut off mid-way. Three rounds on the same store: each reopening also has to
 * cope with what the kill before left half-written.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fromHex, HASH_BYTES, PackStore, toHex } from '@meshdrive/core';
import { REPO_ROOT } from './harness.js';

const FIXTURE = join(REPO_ROOT, 'tests/e2e/fixtures/sealing-peer.ts');
/** Seals to see confirmed before each kill. */
const SEALS_BEFORE_KILL = 12;
const ROUNDS = 3;

const dir = mkdtempSync(join(tmpdir(), 'meshdrive-durability-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts the sealing peer and SIGKILLs it once it has confirmed `seals` segments; resolves with every one it confirmed. */
function sealThenKill(seals: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dir], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let errors = '';
    const confirmed = (): string[] => [...output.matchAll(/^sealed ([0-9a-f]{64})$/gm)].map((match) => match[1]!);
    child.stdout.on('data', (data: Buffer) => {
      output += data.toString();
      // At once, from inside the handler: the peer is in the middle of its next writes.
      if (confirmed().length >= seals) child.kill('SIGKILL');
    });
    child.stderr.on('data', (data: Buffer) => (errors += data.toString()));
    child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve(confirmed()) : reject(new Error(`the sealing peer exited by itself:\n${errors}`))));
  });
}

describe('a storage peer killed mid-write', () => {
  it('reopens its store with every segment it confirmed: chunks, chunk list and pin', async () => {
    const everConfirmed: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      everConfirmed.push(...(await sealThenKill(SEALS_BEFORE_KILL * (round + 1) - everConfirmed.length)));
      const store = await PackStore.open(dir);
      try {
        const pins = new Set((await store.metaKeys('pin:')).map((key) => key.slice('pin:'.length)));
        for (const list of everConfirmed) {
          const [listBytes] = await store.getMany([fromHex(list)]);
          expect(listBytes, `chunk list of ${list}`).toBeDefined();
          expect(toHex(createHash('sha256').update(listBytes!).digest())).toBe(list);
          const hashes = Array.from({ length: listBytes!.length / HASH_BYTES }, (_, i) => listBytes!.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES));
          const chunks = await store.getMany(hashes);
          chunks.forEach((bytes, i) => expect(bytes && toHex(createHash('sha256').update(bytes).digest()), `chunk ${i} of ${list}`).toBe(toHex(hashes[i]!)));
          expect(pins.has(list), `pin of ${list}`).toBe(true);
        }
      } finally {
        await store.close();
      }
    }
    expect(everConfirmed.length).toBeGreaterThanOrEqual(SEALS_BEFORE_KILL * ROUNDS);
  }, 120_000);
});
