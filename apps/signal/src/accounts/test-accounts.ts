/** For tests: an account on a running master, through its HTTP endpoint as any client makes one. */
import type { AuthSession } from '@meshdrive/core';

export async function signUp(url: string, user: string, password = 'correct horse battery'): Promise<AuthSession> {
  const response = await fetch(`${url}/api/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, password }) });
  if (!response.ok) throw new Error(`sign-up of ${user} failed: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as AuthSession;
}
