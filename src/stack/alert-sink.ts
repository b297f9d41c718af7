/**
 * The Alertmanager webhook receiver of the embedded stack: appends every delivery to a
 * JSON-lines file and serves them back, so the harness can prove that alerts evaluated by
 * Prometheus really arrived (ARCH-5). Run as its own process by the stack.
 */
import { createServer } from 'node:http';
import { appendFileSync, mkdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';

const host = process.env.ALERT_SINK_HOST ?? '127.0.0.1';
const port = Number(process.env.ALERT_SINK_PORT ?? 19094);
const file = process.env.ALERT_SINK_FILE ?? 'deliveries.jsonl';
mkdirSync(dirname(file), { recursive: true });

const MAX_BODY = 4 * 1024 * 1024;

const server = createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/alerts') {
    let body = '';
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) body += chunk.toString();
    });
    req.on('end', () => {
      let payload: unknown;
      try {
        payload = JSON.parse(body);
      } catch {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('body is not JSON\n');
        return;
      }
      appendFileSync(file, JSON.stringify({ receivedAt: new Date().toISOString(), payload }) + '\n');
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    });
    return;
  }
  if (req.method === 'GET' && req.url?.startsWith('/deliveries')) {
    const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
    res.writeHead(200, { 'content-type': 'application/json' }).end(`[${lines.join(',')}]`);
    return;
  }
  if (req.method === 'GET' && req.url === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"healthy"}');
    return;
  }
  res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
});

server.listen(port, host, () => console.log(`alert-sink listening on http://${host}:${port}, writing ${file}`));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
