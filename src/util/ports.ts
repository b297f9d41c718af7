import { createServer } from 'node:net';

export const LOOPBACK = '127.0.0.1';

/** True when nothing listens on host:port (we could bind it). */
export function isPortFree(port: number, host = LOOPBACK): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A port the OS says is free right now on loopback. */
export function freePort(host = LOOPBACK): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen({ port: 0, host, exclusive: true }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** `count` distinct ports the OS says are free right now, none of them in `avoid`. */
export async function freePorts(
  count: number,
  avoid: ReadonlySet<number> = new Set(),
  host = LOOPBACK,
): Promise<number[]> {
  const out: number[] = [];
  while (out.length < count) {
    const p = await freePort(host);
    if (!avoid.has(p) && !out.includes(p)) out.push(p);
  }
  return out;
}
