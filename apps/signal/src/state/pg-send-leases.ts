/**
 * Open sends in the masters' shared PostgreSQL database: a client that placed through one master
 * and commits through another (its first died) finds its send still open, and every master's
 * abandoned-segment sweep sees every master's open sends. Expired sends are kept as rows marked
 * expired, so their late commit is refused, and forgotten after twice the longest a send may
 * stay open.
 */
import type { Database } from '../postgres/database.js';
import type { SendLeases, SendLeaseTiming } from './send-leases.js';

export class PgSendLeases implements SendLeases {
  constructor(private readonly database: Database, private readonly timing: SendLeaseTiming) {}

  async placed(client: string, fileId: string, fresh: boolean, now: number): Promise<void> {
    if (fresh) await this.database.query('DELETE FROM send_leases WHERE client = $1 AND file_id = $2 AND expired', [client, fileId]);
    await this.database.query('INSERT INTO send_leases (client, file_id, started_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [client, fileId, now]);
  }

  async committed(client: string, fileId: string): Promise<boolean> {
    const { rows: [row] } = await this.database.query<{ expired: boolean }>('DELETE FROM send_leases WHERE client = $1 AND file_id = $2 RETURNING expired', [client, fileId]);
    return row?.expired !== true;
  }

  async disconnected(client: string, now: number): Promise<void> {
    await this.database.query('UPDATE send_leases SET disconnected_at = COALESCE(disconnected_at, $2) WHERE client = $1 AND NOT expired', [client, now]);
  }

  async connected(client: string): Promise<void> {
    await this.database.query('UPDATE send_leases SET disconnected_at = NULL WHERE client = $1 AND NOT expired', [client]);
  }

  oldestOpenSend(now: number): Promise<number> {
    const { graceMs, maxOpenMs } = this.timing;
    return this.database.transaction(async (client) => {
      await client.query(`UPDATE send_leases SET expired = true
        WHERE NOT expired AND ((disconnected_at IS NOT NULL AND $1 - disconnected_at >= $2) OR $1 - started_at >= $3)`, [now, graceMs, maxOpenMs]);
      await client.query('DELETE FROM send_leases WHERE expired AND started_at < $1', [now - 2 * maxOpenMs]);
      const { rows: [row] } = await client.query<{ oldest: number | null }>('SELECT MIN(started_at) AS oldest FROM send_leases WHERE NOT expired');
      return row?.oldest ?? Infinity;
    });
  }
}
