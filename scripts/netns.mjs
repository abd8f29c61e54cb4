// A private network namespace for tests: loopback plus a veth pair with a default route, so
// WebRTC (Node and Chromium) gathers candidates that never leave the namespace. Needs root
// and iproute2; callers fall back to the host network when it is unavailable.
import { execFileSync } from 'node:child_process';

export const NETNS_ADDRESSES = ['10.77.0.1', '10.77.0.2'];

function ip(args) {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function canCreateNamespace() {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function createNamespace(name) {
  try { ip(['netns', 'del', name]); } catch { /* not there */ }
  ip(['netns', 'add', name]);
  ip(['-n', name, 'link', 'set', 'lo', 'up']);
  ip(['-n', name, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  ip(['-n', name, 'addr', 'add', `${NETNS_ADDRESSES[0]}/24`, 'dev', 'v0']);
  ip(['-n', name, 'addr', 'add', `${NETNS_ADDRESSES[1]}/24`, 'dev', 'v1']);
  ip(['-n', name, 'link', 'set', 'v0', 'up']);
  ip(['-n', name, 'link', 'set', 'v1', 'up']);
  ip(['-n', name, 'route', 'add', 'default', 'dev', 'v0']);
}

export function deleteNamespace(name) {
  try { ip(['netns', 'del', name]); } catch { /* already gone */ }
}
