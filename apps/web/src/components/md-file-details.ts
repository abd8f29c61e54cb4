/**
 * One file's details in a modal dialog: its kept versions (download any, restore an older one
 * as the newest), its lock (take it while this tab is open, release it), and, for the viewer's
 * own file, who it is shared with (share with a user, to read or also to change; stop sharing).
 * Every action answers in a status line; what fails says why in the app's words.
 */
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import type { FileSummary, MeshClient, ShareView, VersionSummary } from '@meshdrive/core';
import { formatBytes, formatDate } from '../format.js';
import type { LockKeeper } from '../lock-keeper.js';
import { describeError } from '../messages.js';
import { dialogStyles, sharedStyles } from './shared-styles.js';

/** Something about the file changed (a restore, a share, a lock): the list is out of date. */
export type FileChangedEvent = CustomEvent<{ name: string }>;

@customElement('md-file-details')
export class MdFileDetails extends LitElement {
  static override styles = [
    sharedStyles,
    dialogStyles,
    css`
      dialog {
        max-width: min(40rem, 95vw);
      }
      section {
        margin: 1rem 0;
      }
      h3 {
        margin: 0 0 0.5rem;
        font-size: 1rem;
      }
      table {
        width: 100%;
        border-collapse: collapse;
      }
      td {
        padding: 0.25rem 0.4rem;
        border-bottom: 1px solid var(--border);
      }
      td.actions {
        text-align: right;
        white-space: nowrap;
      }
      form.share {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: end;
      }
      form.share label {
        display: grid;
        gap: 0.2rem;
      }
      input[type='text'] {
        font: inherit;
        padding: 0.4rem 0.5rem;
        border: 1px solid var(--border);
        border-radius: 8px;
        background: var(--surface);
        color: var(--text);
      }
      .status {
        min-height: 1.4em;
      }
      .error {
        color: var(--bad);
      }
    `,
  ];

  @property({ attribute: false }) file!: FileSummary;
  /** The client at each use: a reconnect replaces it. */
  @property({ attribute: false }) client: () => MeshClient | null = () => null;
  @property({ attribute: false }) locks!: LockKeeper;
  @state() private versions: VersionSummary[] | null = null;
  @state() private sharees: ShareView[] | null = null;
  @state() private status = '';
  @state() private failed = false;
  @state() private busy = false;
  @query('dialog') private dialog!: HTMLDialogElement;
  @query('#share-user') private shareUser?: HTMLInputElement;
  @query('#share-write') private shareWrite?: HTMLInputElement;

  private get owner(): string | undefined {
    return this.file.shared?.owner;
  }

  override firstUpdated(): void {
    this.dialog.showModal();
    void this.load();
  }

  override render() {
    const { file } = this;
    return html`<dialog aria-labelledby="details-title" @close=${this.closed}>
      <h2 id="details-title">“${file.name}”</h2>
      ${file.shared ? html`<p>${file.shared.owner} shared this file with you, to ${file.shared.write ? 'read and change' : 'read'}.</p>` : nothing}
      ${this.renderVersions()} ${this.renderLock()} ${file.shared ? nothing : this.renderSharing()}
      <p class="status ${this.failed ? 'error' : ''}" role="status" data-status>${this.status}</p>
      <form method="dialog"><button>Close</button></form>
    </dialog>`;
  }

  private renderVersions() {
    const versions = this.versions;
    return html`<section aria-labelledby="versions-title" data-versions>
      <h3 id="versions-title">Versions</h3>
      ${versions === null
        ? html`<p class="muted">Loading…</p>`
        : html`<table>
            <tbody>
              ${versions.map(
                (version, index) => html`<tr data-version=${version.version}>
                  <td>v${version.version}${index === 0 ? html` <span class="muted">(latest)</span>` : nothing}</td>
                  <td>${formatBytes(version.size)}</td>
                  <td>${formatDate(version.createdAt)}</td>
                  <td class="actions">
                    <button @click=${() => this.download(version)} aria-label="Download version ${version.version}">Download</button>
                    ${index === 0 || this.file.shared
                      ? nothing
                      : html`<button ?disabled=${this.busy} @click=${() => this.restore(version)} aria-label="Restore version ${version.version} as the newest">Restore</button>`}
                  </td>
                </tr>`,
              )}
            </tbody>
          </table>`}
    </section>`;
  }

  private renderLock() {
    const mine = this.locks.holds(this.file.name, this.owner);
    const lock = this.file.lock;
    const said = mine
      ? 'You hold the lock while this tab is open: others cannot change the file.'
      : lock
        ? `Locked by ${lock.user} (${lock.device}) until ${new Date(lock.expiresAt).toLocaleTimeString()}.`
        : 'Not locked: anyone who may change the file can.';
    const canWrite = !this.file.shared || this.file.shared.write;
    return html`<section aria-labelledby="lock-title" data-lock>
      <h3 id="lock-title">Lock</h3>
      <p>${said}</p>
      ${!canWrite
        ? nothing
        : mine
          ? html`<button ?disabled=${this.busy} @click=${this.unlock}>Unlock</button>`
          : html`<button ?disabled=${this.busy} @click=${this.lock}>Lock while this tab is open</button>`}
    </section>`;
  }

  private renderSharing() {
    const sharees = this.sharees;
    return html`<section aria-labelledby="sharing-title" data-sharing>
      <h3 id="sharing-title">Sharing</h3>
      ${sharees === null
        ? html`<p class="muted">Loading…</p>`
        : sharees.length === 0
          ? html`<p class="muted">Only you can see this file.</p>`
          : html`<table>
              <tbody>
                ${sharees.map(
                  (sharee) => html`<tr data-sharee=${sharee.user}>
                    <td>${sharee.user}</td>
                    <td>${sharee.write ? 'can read and change' : 'can read'}</td>
                    <td class="actions"><button ?disabled=${this.busy} @click=${() => this.unshare(sharee.user)} aria-label="Stop sharing with ${sharee.user}">Stop sharing</button></td>
                  </tr>`,
                )}
              </tbody>
            </table>`}
      <form class="share" @submit=${this.share}>
        <label>User name <input id="share-user" type="text" autocomplete="off" required pattern="[a-z0-9][a-z0-9._-]*" maxlength="32" /></label>
        <label class="inline"><span><input id="share-write" type="checkbox" /> Can change it</span></label>
        <button ?disabled=${this.busy}>Share</button>
      </form>
    </section>`;
  }

  private async load(): Promise<void> {
    await this.run('', async (client) => {
      const [versions, sharees] = await Promise.all([client.versions(this.file.name, this.owner), this.file.shared ? Promise.resolve([]) : client.sharees(this.file.name)]);
      this.versions = versions;
      this.sharees = sharees;
    });
  }

  private download(version: VersionSummary): void {
    const detail = { name: this.file.name, size: version.size, action: 'download', version: version.version, ...(this.owner === undefined ? {} : { owner: this.owner }) };
    this.dispatchEvent(new CustomEvent('file-action', { detail, bubbles: true, composed: true }));
  }

  private async restore(version: VersionSummary): Promise<void> {
    await this.run(`Restored v${version.version}`, async (client) => {
      const lock = this.locks.tokenFor(this.file.name);
      const summary = await client.restore(this.file.name, version.version, lock === undefined ? {} : { lock });
      this.versions = await client.versions(this.file.name);
      return `Restored v${version.version} as v${summary.version}; no data moved.`;
    });
  }

  private readonly lock = async (): Promise<void> => {
    await this.run('Locked: you hold the lock while this tab is open.', async () => {
      await this.locks.take(this.file.name, this.owner);
    });
  };

  private readonly unlock = async (): Promise<void> => {
    await this.run('Unlocked.', async () => {
      await this.locks.release(this.file.name, this.owner);
    });
  };

  private readonly share = async (event: Event): Promise<void> => {
    event.preventDefault();
    const user = this.shareUser?.value.trim() ?? '';
    const write = this.shareWrite?.checked === true;
    if (user === '') return;
    await this.run(`Shared with ${user}, who can ${write ? 'read and change' : 'read'} it.`, async (client) => {
      await client.share(this.file.name, user, write);
      this.sharees = await client.sharees(this.file.name);
      if (this.shareUser) this.shareUser.value = '';
    });
  };

  private async unshare(user: string): Promise<void> {
    await this.run(`Stopped sharing with ${user}: their next download is refused.`, async (client) => {
      await client.unshare(this.file.name, user);
      this.sharees = await client.sharees(this.file.name);
    });
  }

  /** Runs an action with the client, saying `done` after it or why it failed; the list is refreshed after any change. */
  private async run(done: string, action: (client: MeshClient) => Promise<string | void>): Promise<void> {
    const client = this.client();
    if (!client) {
      this.fail('Not connected to the master yet; try again in a moment.');
      return;
    }
    this.busy = true;
    this.failed = false;
    try {
      const said = await action(client);
      if (done !== '') {
        this.status = said ?? done;
        this.dispatchEvent(new CustomEvent('file-changed', { detail: { name: this.file.name }, bubbles: true, composed: true }));
      }
    } catch (error) {
      this.fail(describeError(error).message);
    } finally {
      this.busy = false;
    }
  }

  private fail(message: string): void {
    this.status = message;
    this.failed = true;
  }

  private readonly closed = (): void => {
    this.dispatchEvent(new CustomEvent('details-closed', { bubbles: true, composed: true }));
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'md-file-details': MdFileDetails;
  }
}
