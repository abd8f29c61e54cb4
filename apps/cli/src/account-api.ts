/** The master's account endpoints over HTTP, their refusals rebuilt as Meshdrive's typed errors. */
import { fetchFromMasters, fromErrorPayload, ProtocolError, type ErrorPayload } from '@meshdrive/core';

const ACCOUNT_REQUEST_TIMEOUT_MS = 15_000;

/** POSTs to the first of the masters (`url`: one, or several comma-separated) that answers. */
export async function postJson<T>(url: string, path: string, body: unknown, accessToken?: string): Promise<T> {
  const response = await fetchFromMasters(url, path, () => ({
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(ACCOUNT_REQUEST_TIMEOUT_MS),
  }));
  const value = (await response.json().catch(() => undefined)) as unknown;
  if (response.ok) return value as T;
  const payload = value as Partial<ErrorPayload> | undefined;
  if (typeof payload?.code === 'string' && typeof payload.message === 'string') throw fromErrorPayload(payload as ErrorPayload);
  throw new ProtocolError(`the master answered ${path} with HTTP ${response.status}`);
}
