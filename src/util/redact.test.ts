import { describe, expect, it } from 'vitest';
import { hasUrlCredentials, redactSecrets, redactUrl } from './redact.ts';

describe('redactUrl', () => {
  it('hides the user info of valid and invalid URLs, alone or inside text', () => {
    expect(redactUrl('http://user:s3cret@127.0.0.1:9090/api')).toBe('http://***@127.0.0.1:9090/api');
    expect(redactUrl('https://:s3cret@[bad host')).toBe('https://***@[bad host');
    expect(redactUrl('link: http://a:s3cret@h/x and https://b:t0ken@k/y.')).toBe(
      'link: http://***@h/x and https://***@k/y.',
    );
    expect(redactUrl('user:s3cret@host:9090')).toBe('***@host:9090');
    expect(redactUrl('"u:s3cret@h"')).toBe('"***@h"');
  });

  it('leaves URLs without credentials (and a fragment or query with @) alone', () => {
    for (const u of ['http://127.0.0.1:9090/graph?g0.expr=up', 'http://evil.com#@127.0.0.1', 'http://h/?q=a@b'])
      expect(redactUrl(u)).toBe(u);
    expect(hasUrlCredentials('http://evil.com#@127.0.0.1')).toBe(false);
    expect(hasUrlCredentials('http://127.0.0.1@evil.com')).toBe(true);
  });

  it('redactSecrets also hides known secret values', () => {
    expect(redactSecrets('bad token tok-123456 for http://u:p@h', ['tok-123456', 'ab'])).toBe(
      'bad token *** for http://***@h',
    );
  });
});
