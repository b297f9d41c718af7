import { open } from 'node:fs/promises';
import { Client } from '@elastic/elasticsearch';

/**
 * The tests' log shipper, in the role Fluentd plays in the spec (apps → Fluentd → ES):
 * tails the services' JSON-lines files and bulk-indexes what was appended since the last
 * call. A line that is not JSON is stored the way shippers store a parse failure: the raw
 * text under `message`, tagged `_jsonparsefailure`, stamped with the shipping time.
 */
export class TestLogShipper {
  private readonly offsets = new Map<string, number>();
  private readonly client: Client;
  private indexReady: Promise<unknown> | undefined;

  constructor(
    url: string,
    private readonly index: string,
  ) {
    this.client = new Client({ node: url });
  }

  /** Ships what was appended to `files`; `keep` drops records (a lossy pipeline). Returns the count. */
  async ship(files: string[], keep: (rec: Record<string, unknown>) => boolean = () => true): Promise<number> {
    const operations: unknown[] = [];
    for (const file of files) {
      const fh = await open(file, 'r');
      try {
        const from = this.offsets.get(file) ?? 0;
        const { size } = await fh.stat();
        const buf = Buffer.alloc(size - from);
        await fh.read(buf, 0, buf.length, from);
        const text = buf.toString('utf8');
        // Only whole lines; a half-written last line waits for the next call.
        const upTo = text.lastIndexOf('\n') + 1;
        this.offsets.set(file, from + Buffer.byteLength(text.slice(0, upTo)));
        for (const line of text.slice(0, upTo).split('\n')) {
          if (!line.trim()) continue;
          // Like Fluentd's Elasticsearch output: `@timestamp` is the record's own time
          // (time_key timestamp), or the time it was read for a line that did not parse.
          let doc: Record<string, unknown>;
          try {
            const rec = JSON.parse(line) as Record<string, unknown>;
            const t = Date.parse(String(rec.timestamp));
            doc = { ...rec, '@timestamp': new Date(Number.isNaN(t) ? Date.now() : t).toISOString() };
          } catch {
            doc = { '@timestamp': new Date().toISOString(), message: line, tags: ['_jsonparsefailure'] };
          }
          if (keep(doc)) operations.push({ index: { _index: this.index } }, doc);
        }
      } finally {
        await fh.close();
      }
    }
    if (operations.length === 0) return 0;
    // One shipment becomes visible at once (refresh at its end, none in between): with the
    // default 1 s refresh a reader could see the first file's records and not the others'.
    this.indexReady ??= this.client.indices
      .create({ index: this.index, settings: { refresh_interval: '-1' } }, { ignore: [400] })
      .catch(() => undefined);
    await this.indexReady;
    const r = await this.client.bulk({ refresh: true, operations });
    if (r.errors) {
      const first = r.items.find((i) => i.index?.error)?.index?.error;
      throw new Error(`bulk indexing failed: ${JSON.stringify(first)}`);
    }
    return operations.length / 2;
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
