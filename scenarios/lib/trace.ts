import { randomBytes } from 'k6/crypto';

/**
 * W3C trace context, generated in the script itself (the k6 tracing jslib would be fetched
 * from the network at run time). Each request gets a fresh trace; its ID is recorded as
 * sample metadata (not a tag: tags are time-series dimensions, and one per trace would
 * explode cardinality in every output).
 */
function hex(bytes: number): string {
  const b = new Uint8Array(randomBytes(bytes));
  let s = '';
  for (let i = 0; i < b.length; i++) s += ((b[i] as number) + 0x100).toString(16).slice(1);
  return s;
}

function nonZeroHex(bytes: number): string {
  for (;;) {
    const h = hex(bytes);
    // The spec forbids all-zero IDs; with 8+ random bytes a retry is astronomically rare.
    if (!/^0+$/.test(h)) return h;
  }
}

export interface TraceContext {
  traceId: string;
  spanId: string;
  traceparent: string;
}

/** A new sampled root context: `00-<32 hex trace id>-<16 hex parent id>-01`. */
export function newTrace(): TraceContext {
  const traceId = nonZeroHex(16);
  const spanId = nonZeroHex(8);
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/;

export function isTraceparent(value: string): boolean {
  return TRACEPARENT.test(value);
}
