/**
 * The one master that decides what must not be decided twice (repair's copies and moves), among
 * several on one PostgreSQL directory. (The abandoned-segment sweep is not its job: each master
 * sweeps only its own peers, against every master's open sends.) Elected with a session advisory
 * lock: the master holding it coordinates; PostgreSQL frees it the moment that master's
 * connection ends (a crash, a SIGKILL), and the next master to ask gets it.
 *
 * Each takeover bumps the epoch in the `coordinator` row. The coordinator's directory writes carry
 * its epoch and are refused when it is not the row's (PgDirectory), so a master that lost the
 * lock without knowing it yet (a pause, a cut connection) cannot undo its successor's work.
 */
import type pg from 'pg';
import type { Database } from '../postgres/database.js';

/** The advisory lock key of the coordinator ('mdco' in ASCII). */
const COORDINATOR_LOCK = 0x6d64636f;
/** How often a master that does not coordinate asks for the lock, and the coordinator checks it still has its connection. */
export const ELECTION_MS = 1_000;

export interface CoordinatorState {
  /** The epoch this master coordinates under, or undefined while another does. */
  epoch: number | undefined;
}

export class Coordinator implements CoordinatorState {
  epoch: number | undefined;
  private session: pg.PoolClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly database: Database, private readonly master: string, private readonly log: (line: string) => void) {}

  /** Runs the first election now, then one every ELECTION_MS. */
  async start(): Promise<void> {
    await this.round();
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.round());
    }, ELECTION_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
    this.release(true);
  }

  /** Asks for the lock if this master lacks it; checks the session if it has it. */
  private async round(): Promise<void> {
    if (this.stopped) return;
    try {
      if (this.session && this.epoch !== undefined) {
        await this.session.query('SELECT 1');
        return;
      }
      this.session ??= await this.connect();
      const { rows: [won] } = await this.session.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [COORDINATOR_LOCK]);
      if (!won?.locked) return;
      const { rows: [row] } = await this.session.query<{ epoch: number }>(`
        INSERT INTO coordinator (singleton, epoch, master, since) VALUES (true, 1, $1, $2)
        ON CONFLICT (singleton) DO UPDATE SET epoch = coordinator.epoch + 1, master = excluded.master, since = excluded.since
        RETURNING epoch`, [this.master, Date.now()]);
      this.epoch = row!.epoch;
      this.log(`this master coordinates the mesh (epoch ${this.epoch})`);
    } catch (error) {
      if (this.epoch !== undefined) this.log(`lost the coordinator's lock (epoch ${this.epoch}): ${String(error)}`);
      this.release(false);
    }
  }

  private async connect(): Promise<pg.PoolClient> {
    const session = await this.database.pool.connect();
    // Its connection ending frees the lock on the server; here it ends the epoch at once.
    session.on('error', () => this.release(false));
    return session;
  }

  /** Gives up the session (and with it the lock); `quietly` when the master is stopping. */
  private release(quietly: boolean): void {
    if (!quietly && this.epoch !== undefined) this.log(`this master no longer coordinates the mesh (epoch ${this.epoch})`);
    this.epoch = undefined;
    // Destroyed, not returned to the pool: the lock must go with the session.
    this.session?.release(true);
    this.session = undefined;
  }
}
