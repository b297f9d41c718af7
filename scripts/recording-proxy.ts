import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { HarnessError } from '../src/util/errors.ts';

/**
 * A loopback proxy that records each exchange (method, URL, request body, status, the chosen
 * response headers, response body) on its way to a real server, for the record-* scripts
 * whose files the unit tests replay.
 */
export interface RecordingProxy {
  url: string;
  /** Writes what was recorded while `what` ran to `file` (JSON, one exchange per element). */
  save(file: URL, what: () => Promise<unknown>): Promise<void>;
  close(): void;
}

const parsed = (text: string): unknown => {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};

export async function startRecordingProxy(upstreamUrl: string, keepHeaders: string[]): Promise<RecordingProxy> {
  const upstream = new URL(upstreamUrl);
  let exchanges: unknown[] = [];
  const proxy = createServer((req, res) => {
    const body: Buffer[] = [];
    req.on('data', (c: Buffer) => body.push(c));
    req.on('end', () => {
      const sent = Buffer.concat(body).toString();
      const up = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (r) => {
          const got: Buffer[] = [];
          r.on('data', (c: Buffer) => got.push(c));
          r.on('end', () => {
            const text = Buffer.concat(got).toString();
            const headers: Record<string, string> = {};
            for (const h of keepHeaders) if (r.headers[h]) headers[h] = String(r.headers[h]);
            exchanges.push({
              method: req.method,
              url: req.url,
              requestBody: parsed(sent),
              status: r.statusCode,
              headers,
              body: parsed(text),
            });
            res.writeHead(r.statusCode ?? 500, r.headers).end(text);
          });
        },
      );
      up.end(sent);
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    async save(file, what) {
      exchanges = [];
      const r = await what();
      console.log(file.pathname, r instanceof HarnessError ? `${r.code}: ${r.message}` : 'ok');
      await writeFile(file, `${JSON.stringify(exchanges, null, 1)}\n`);
    },
    close: () => proxy.close(),
  };
}
