/**
 * Styles every component shares: buttons, focus rings, pills. Colours come from index.html's
 * custom properties, which switch with the system's light or dark scheme.
 */
import { css } from 'lit';

export const sharedStyles = css`
  :host {
    box-sizing: border-box;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  button {
    font: inherit;
    font-size: 0.9rem;
    border-radius: 8px;
    border: 1px solid var(--border);
    background: var(--surface);
    color: var(--text);
    padding: 0.4rem 0.8rem;
    cursor: pointer;
    min-height: 36px;
    white-space: nowrap;
  }
  button:hover {
    background: var(--surface-hover);
  }
  button.primary {
    background: var(--accent);
    border-color: var(--accent);
    color: var(--on-accent);
  }
  button.primary:hover {
    background: var(--accent-strong);
  }
  button.danger {
    color: var(--bad);
    border-color: color-mix(in srgb, var(--bad) 40%, var(--border));
  }
  button.danger.armed {
    background: var(--bad);
    border-color: var(--bad);
    color: var(--on-accent);
  }
  button:disabled {
    opacity: 0.5;
    cursor: default;
  }
  :focus-visible {
    outline: 3px solid var(--focus);
    outline-offset: 2px;
  }
  .pill {
    display: inline-flex;
    align-items: center;
    gap: 0.35rem;
    font-size: 0.78rem;
    font-weight: 600;
    padding: 0.15rem 0.55rem;
    border-radius: 999px;
    background: var(--surface-muted);
    color: var(--text-muted);
    white-space: nowrap;
  }
  .pill.good {
    background: var(--good-soft);
    color: var(--good);
  }
  .pill.warn {
    background: var(--warn-soft);
    color: var(--warn);
  }
  .pill.bad {
    background: var(--bad-soft);
    color: var(--bad);
  }
  .muted {
    color: var(--text-muted);
  }
  .mono {
    font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace;
    font-size: 0.85em;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
  h2 {
    font-size: 1.05rem;
    margin: 0 0 0.75rem;
  }
  .card {
    background: var(--surface);
    border: 1px solid var(--border);
    border-radius: 12px;
    padding: 1rem;
  }
`;

/** The modal dialogs' frame: md-confirm, md-name-conflict and md-preview. */
export const dialogStyles = css`
  dialog {
    border: 1px solid var(--border);
    border-radius: 14px;
    background: var(--surface);
    color: var(--text);
    max-width: min(32rem, calc(100vw - 2rem));
    padding: 1.25rem;
  }
  dialog::backdrop {
    background: var(--backdrop);
  }
  h2 {
    margin: 0 0 0.5rem;
    font-size: 1.1rem;
  }
  .actions {
    display: flex;
    gap: 0.5rem;
    justify-content: flex-end;
    flex-wrap: wrap;
  }
`;
