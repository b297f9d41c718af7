/**
 * Records the Jaeger exchanges of the TP-5 alert-link checks (the spec's trace_query searches)
 * for src/verify/kinds/alert-trace-link.test.ts: a real Jaeger (the embedded stack's, fed by
 * the reference system) after healthy traffic, then traffic with 5xx answers and a failed
 * step driven:
 *
 *   npx tsx scripts/record-jaeger-links.ts
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackDown, stackUp, stackUrls } from '../src/stack/lifecycle.ts';
import { jaegerSource } from '../src/sources/jaeger.ts';
import { HarnessError } from '../src/util/errors.ts';
import { startRecordingProxy } from './recording-proxy.ts';
import { drive } from '../src/verify/testing/drive.ts';
import { GET_500S, setFault } from '../src/verify/testing/report-helpers.ts';
import { delay } from '../src/util/wait.ts';
import type { Ledger } from '../src/model/ledger.ts';

const OUT = new URL('../src/sources/testdata/', import.meta.url);
const dir = await mkdtemp(join(tmpdir(), 'record-jaeger-links-'));
const up = await stackUp({ stateDir: dir, scrapeInterval: '1s' });
const urls = stackUrls(up.state);
const proxy = await startRecordingProxy(urls.jaegerQuery, ['content-type']);
const save = (name: string, what: () => Promise<unknown>) => proxy.save(new URL(name, OUT), what);
const source = () => {
  const s = jaegerSource({ url: proxy.url, retries: 0 });
  if (s instanceof HarnessError) throw s;
  return s;
};

try {
  const win = (l: Ledger) => ({
    start: Math.floor(Date.parse(l.window.start) / 1000),
    end: Math.ceil(Date.parse(l.window.end) / 1000) + 5,
  });
  // A small limit keeps the files small; the tests replay them for the check's larger one.
  const record = async (name: string, l: Ledger) => {
    // The services export their spans within ~1 s: read after that.
    await delay(3_000);
    const w = win(l);
    await save(`jaeger-2.13-links-${name}.json`, async () => {
      const s = source();
      await s.services();
      await s.operations('imageflow-backend-api');
      await s.find({ service: 'imageflow-backend-api', operation: 'http_request', ...w, limit: 30 });
      await s.find({ service: 'imageflow-backend-api', ...w, limit: 30 });
      return s.find({ service: 'imageflow-processing', ...w, limit: 30 });
    });
  };
  const healthy = await drive(urls.backendApi, { seconds: 2 });
  await record('healthy', healthy);
  await setFault(urls, GET_500S);
  await setFault(urls, { kind: 'step_failure', ttl_seconds: 60, step: 'ai_detection' });
  const faulty = await drive(urls.backendApi, { seconds: 2 });
  await setFault(urls, undefined);
  await record('faulty', faulty);
  await writeFile(new URL('jaeger-2.13-links-ledgers.json', OUT), `${JSON.stringify({ healthy, faulty }, null, 1)}\n`);
} finally {
  proxy.close();
  await stackDown({ stateDir: dir });
  await rm(dir, { recursive: true, force: true });
}
