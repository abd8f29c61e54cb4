/**
 * Chaos (issue 17): six peer processes at R = 3 under a workload of sends, receives and deletes,
 * while every few seconds a random peer is SIGKILLed and a fresh one started in its place. At
 * the end every acknowledged file reads back byte-exact from 3 live copies, and no deleted file
 * is readable. Seeded (MESHDRIVE_CHAOS_SEED, printed on failure) and bounded in time.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestMesh, waitFor, type PeerProcess } from './harness.js';

const SEED = Number(process.env.MESHDRIVE_CHAOS_SEED ?? 20261202);
const PEERS = 6;
const CHAOS_MS = 45_000;
const KILL_EVERY_MS = 7_000;
const KIB = 1024;

/** mulberry32: a small seeded generator, so a failing run can be replayed. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe(`chaos (seed ${SEED})`, () => {
  let mesh: TestMesh;
  const random = generator(SEED);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

  beforeAll(async () => {
    mesh = await TestMesh.start({ peers: PEERS });
  }, 120_000);

  afterAll(async () => {
    await mesh?.close();
  });

  it('keeps every acknowledged file, heals back to 3 copies, and never brings back a deleted one', async () => {
    const acknowledged = new Map<string, Buffer>();
    const deleted = new Set<string>();
    const events: string[] = [];
    let live: PeerProcess[] = [...mesh.peers];
    let files = 0;

    const killer = (async () => {
      const end = Date.now() + CHAOS_MS;
      while (Date.now() + KILL_EVERY_MS < end) {
        await new Promise((resolve) => setTimeout(resolve, KILL_EVERY_MS));
        const victim = pick(live);
        await victim.daemon.kill('SIGKILL');
        const fresh = await mesh.startPeer();
        live = [...live.filter((peer) => peer !== victim), fresh];
        events.push(`killed ${victim.id.slice(0, 8)}, started ${fresh.id.slice(0, 8)}`);
      }
    })();

    const end = Date.now() + CHAOS_MS;
    while (Date.now() < end) {
      const roll = random();
      const names = [...acknowledged.keys()];
      if (roll < 0.5 || names.length === 0) {
        const name = `chaos-${++files}.bin`;
        const file = mesh.writeFile(Math.floor(16 * KIB + random() * 2 * 1024 * KIB), name);
        const sent = await mesh.cli(['send', file.path]);
        // Only an acknowledged send must survive; a refused one (its chain lost mid-write) is the user's to retry.
        if (sent.code === 0) acknowledged.set(name, file.bytes);
        events.push(`send ${name}: ${sent.code === 0 ? 'ok' : sent.stderr.trim()}`);
      } else if (roll < 0.85) {
        const name = pick(names);
        const out = mesh.outPath(`${name}.${files}.out`);
        const received = await mesh.cli(['receive', name, '--out', out]);
        if (received.code === 0) expect(readFileSync(out).equals(acknowledged.get(name)!), `${name} came back different`).toBe(true);
        events.push(`receive ${name}: ${received.code === 0 ? 'ok' : received.stderr.trim()}`);
      } else {
        const name = pick(names);
        const removed = await mesh.cli(['rm', name]);
        if (removed.code === 0) {
          acknowledged.delete(name);
          deleted.add(name);
        }
        events.push(`rm ${name}: ${removed.code === 0 ? 'ok' : removed.stderr.trim()}`);
      }
    }
    await killer;
    const story = (): string => `seed ${SEED}\n${events.join('\n')}\n${mesh.describe()}`;

    // The dust settles: every acknowledged file back to 3 live copies.
    await waitFor('every acknowledged file at 3 live copies', async () => {
      for (const name of acknowledged.keys()) {
        const { manifest, status } = await mesh.locate(name);
        if (!manifest.segments.every((segment) => segment.holders.filter((holder) => status[holder] === 'online').length >= 3)) return undefined;
      }
      return true;
    }, 60_000, story);

    for (const [name, bytes] of acknowledged) {
      const out = mesh.outPath(`${name}.final`);
      const received = await mesh.cli(['receive', name, '--out', out]);
      expect(received.code, `${name}: ${received.stderr}\n${story()}`).toBe(0);
      expect(readFileSync(out).equals(bytes), `${name} came back different\n${story()}`).toBe(true);
    }
    for (const name of deleted) {
      const received = await mesh.cli(['receive', name, '--out', mesh.outPath(`${name}.deleted`)]);
      expect(received.code, `${name} was deleted but reads back\n${story()}`).not.toBe(0);
      expect(received.stderr).toMatch(/no file named/);
    }
    expect(acknowledged.size, story()).toBeGreaterThan(3);
    expect(events.filter((event) => event.startsWith('killed')).length).toBeGreaterThanOrEqual(4);
  }, 240_000);
});
