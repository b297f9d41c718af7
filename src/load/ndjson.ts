import type { Readable } from 'node:stream';

/**
 * Splits a byte stream into lines and hands each to `onLine` as it arrives, keeping only
 * the unfinished tail in memory. Resolves when the stream ends (the last partial line is
 * delivered too).
 */
export function forEachLine(stream: Readable, onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let tail = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const text = tail + chunk;
      let from = 0;
      for (;;) {
        const nl = text.indexOf('\n', from);
        if (nl < 0) break;
        onLine(text.slice(from, nl));
        from = nl + 1;
      }
      tail = text.slice(from);
    });
    stream.once('end', () => {
      if (tail) onLine(tail);
      tail = '';
      resolve();
    });
    stream.once('error', reject);
  });
}
