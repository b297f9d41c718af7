import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

/**
 * Starts HTTP servers on loopback for the tests of one file (replaying recorded answers) and
 * closes them after each test. Returns the function that starts one: handler → its base URL.
 */
export function loopbackServerPerTest(): (handler: RequestListener) => Promise<{ url: string; close(): void }> {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });
  return async (handler) => {
    const server = createServer(handler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    servers.push(server);
    // close(): a test that plays a server going away (afterEach tolerates the second close).
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
  };
}
