/**
 * Connections to the Redis that several masters share. URLs: `redis://HOST:PORT/DB`,
 * `rediss://…` (TLS), or `unix:///PATH/redis.sock` for a Unix socket (what local-servers.ts
 * starts). Each connection retries on its own when Redis restarts.
 */
import { Redis } from 'ioredis';

/** A new connection to the Redis at `url`; a blocking reader (the adapter's XREAD) needs one of its own. */
export function connectRedis(url: string): Redis {
  const socket = /^unix:\/\/(\/.+)$/.exec(url);
  const options = { maxRetriesPerRequest: 3, enableAutoPipelining: true, lazyConnect: true };
  const redis = socket ? new Redis({ ...options, path: socket[1]! }) : new Redis(url, options);
  // An 'error' event is a lost connection, which ioredis retries; unhandled, it would end the process.
  redis.on('error', () => undefined);
  return redis;
}

/** Connects and checks Redis answers, or throws a plain error naming the URL. */
export async function openRedis(url: string): Promise<Redis> {
  const redis = connectRedis(url);
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new Error(`cannot reach Redis at ${url}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return redis;
}
