/** The files in the mesh: name, size, version, date and replica health, with download and delete. */
import { LitElement, css, html } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { FileSummary } from '@meshdrive/core';
import { formatBytes, formatDate } from '../format.js';
import { sharedStyles } from './shared-styles.js';

export type FileActionEvent = CustomEvent<{ name: string; size: number; action: FileAction }>;
export type FileAction = 'preview' | 'download' | 'delete';

/** A delete needs a second press within this long. */
const DELETE_CONFIRM_MS = 4_000;

@customElement('md-file-list')
export class MdFileList extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      header {
        display: flex;
        align-items: center;
        gap: 0.75rem;
        flex-wrap: wrap;
        margin-bottom: 0.75rem;
      }
      header h2 {
        margin: 0;
        flex: 1;
      }
      input[type='search'] {
        font: inherit;
        padding: 0.4rem 0.6rem;
        border-radius: 8px;
        border: 1px solid var(--border);
        min-width: 0;
        width: 14rem;
        max-width: 100%;
        background: var(--surface);
        color: var(--text);
      }
      table {
        width: 100%;
        border-collapse: collapse;
        background: var(--surface);
        border: 1px solid var(--border);
        border-radius: 12px;
        overflow: hidden;
      }
      th,
      td {
        text-align: left;
        padding: 0.55rem 0.75rem;
        border-bottom: 1px solid var(--border);
        vertical-align: middle;
      }
      th {
        font-size: 0.78rem;
        text-transform: uppercase;
        letter-spacing: 0.04em;
        color: var(--text-muted);
        font-weight: 600;
        background: var(--surface-muted);
      }
      tr:last-child td {
        border-bottom: none;
      }
      td.name {
        font-weight: 600;
        word-break: break-word;
      }
      td.num {
        white-space: nowrap;
      }
      button.link {
        font: inherit;
        font-weight: 600;
        color: inherit;
        background: none;
        border: none;
        padding: 0;
        text-align: left;
        cursor: pointer;
        word-break: break-word;
      }
      button.link:hover {
        color: var(--accent);
        text-decoration: underline;
      }
      td.actions {
        text-align: right;
        white-space: nowrap;
      }
      td.actions button + button {
        margin-left: 0.35rem;
      }
      .empty {
        padding: 2rem 1rem;
        text-align: center;
        background: var(--surface);
        border: 1px dashed var(--border-strong);
        border-radius: 12px;
      }
      @media (max-width: 640px) {
        table,
        tbody,
        tr,
        td {
          display: block;
          width: 100%;
        }
        thead {
          display: none;
        }
        table {
          border: none;
          background: none;
        }
        tr {
          background: var(--surface);
          border: 1px solid var(--border);
          border-radius: 12px;
          margin-bottom: 0.6rem;
          padding: 0.6rem 0.75rem;
          display: grid;
          grid-template-columns: 1fr auto;
          gap: 0.2rem 0.5rem;
        }
        td {
          border: none;
          padding: 0;
        }
        td.name {
          grid-column: 1 / -1;
        }
        td.num {
          font-size: 0.85rem;
          color: var(--text-muted);
        }
        td.num::before {
          content: attr(data-label) ': ';
        }
        td.actions {
          grid-column: 1 / -1;
          text-align: left;
          margin-top: 0.35rem;
        }
      }
    `,
  ];

  @property({ attribute: false }) files: readonly FileSummary[] = [];
  /** False until the first list arrives, so an empty mesh is not confused with loading. */
  @property({ type: Boolean }) loaded = false;
  /** The tab cannot join the mesh at all, so no list will come. */
  @property({ type: Boolean }) unavailable = false;
  @state() private filter = '';
  @state() private armed: string | null = null;
  @query('#files-title') private heading!: HTMLElement;
  private disarmTimer: ReturnType<typeof setTimeout> | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('keydown', this.onKeydown);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.removeEventListener('keydown', this.onKeydown);
    clearTimeout(this.disarmTimer);
    this.armed = null;
  }

  override render() {
    const needle = this.filter.toLowerCase();
    const files = [...this.files].filter((file) => file.name.toLowerCase().includes(needle)).sort((a, b) => b.createdAt - a.createdAt);
    return html`
      <header>
        <h2 id="files-title" tabindex="-1">Files <span class="muted">(${this.files.length})</span></h2>
        <label class="visually-hidden" for="filter">Filter files by name</label>
        <input id="filter" type="search" placeholder="Filter by name" .value=${this.filter} @input=${(e: Event) => (this.filter = (e.target as HTMLInputElement).value)} />
      </header>
      ${files.length === 0
        ? html`<div class="empty muted">${this.unavailable ? 'No file list: this tab cannot join the mesh.' : !this.loaded ? 'Loading the file list…' : this.files.length === 0 ? 'No files yet. Drop some above.' : 'No file matches the filter.'}</div>`
        : html`
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Size</th>
                  <th scope="col">Version</th>
                  <th scope="col">Stored</th>
                  <th scope="col">Replicas</th>
                  <th scope="col"><span class="visually-hidden">Actions</span></th>
                </tr>
              </thead>
              <tbody>
                ${repeat(files, (file) => file.name, (file) => this.renderFile(file))}
              </tbody>
            </table>
          `}
    `;
  }

  private renderFile(file: FileSummary) {
    const armed = this.armed === file.name;
    return html`
      <tr data-file=${file.name}>
        <td class="name"><button class="link" @click=${() => this.act(file, 'preview')} title="Preview ${file.name}">${file.name}</button></td>
        <td class="num" data-label="Size">${formatBytes(file.size)}</td>
        <td class="num" data-label="Version">v${file.version}</td>
        <td class="num" data-label="Stored">${formatDate(file.createdAt)}</td>
        <td class="num" data-label="Replicas">${replicasPill(file)}</td>
        <td class="actions">
          <button @click=${() => this.act(file, 'download')} aria-label="Download ${file.name}">Download</button>
          <button class="danger ${armed ? 'armed' : ''}" @click=${() => this.onDelete(file)} aria-label="${armed ? 'Confirm delete of' : 'Delete'} ${file.name}">
            ${armed ? 'Confirm delete' : 'Delete'}
          </button>
        </td>
      </tr>
    `;
  }

  private onDelete(file: FileSummary): void {
    clearTimeout(this.disarmTimer);
    if (this.armed !== file.name) {
      this.armed = file.name;
      this.disarmTimer = setTimeout(() => (this.armed = null), DELETE_CONFIRM_MS);
      return;
    }
    this.armed = null;
    // Focus leaves the row before the row goes, for the heading, where Enter does nothing: it
    // used to stay on a Delete button that then served the next file, so Enter ×4 deleted two.
    this.heading.focus();
    this.act(file, 'delete');
  }

  /** Escape takes back an armed "Confirm delete"; focus stays where it was. */
  private readonly onKeydown = (event: KeyboardEvent): void => {
    if (event.key !== 'Escape' || this.armed === null) return;
    event.preventDefault();
    clearTimeout(this.disarmTimer);
    this.armed = null;
  };

  private act(file: FileSummary, action: FileAction): void {
    this.dispatchEvent(new CustomEvent('file-action', { detail: { name: file.name, size: file.size, action }, bubbles: true, composed: true }));
  }
}

/** Copies online out of copies wanted; an empty file has no bytes to copy, so it gets no verdict. */
function replicasPill(file: FileSummary) {
  if (file.size === 0) return html`<span class="pill" title="an empty file has no data to keep copies of">empty</span>`;
  const health = file.replicas >= file.wanted ? 'good' : file.replicas > 0 ? 'warn' : 'bad';
  const title = health === 'good' ? 'every replica is online' : health === 'warn' ? 'some replicas are offline' : 'no replica is online right now';
  return html`<span class="pill ${health}" title=${title}>${file.replicas}/${file.wanted}</span>`;
}

declare global {
  interface HTMLElementTagNameMap {
    'md-file-list': MdFileList;
  }
}
