/**
 * The one redaction of URLs: every path that prints or writes a URL (errors, verdict links,
 * events, reports) goes through here, so a `user:secret@` never reaches a terminal or a file.
 * Works on text that is not a valid URL too: an invalid URL can still carry a secret.
 */

// scheme://userinfo@ — userinfo stops at the first character that ends an authority.
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/?#\s@'"<>]*@/gi;

// The same without a scheme (`user:secret@host`, a common slip): whatever precedes an `@`.
const BARE_USERINFO = /(^|[\s"'(<])[^\s"'()<>/@]+@/g;

/** `http://user:secret@host/x` → `http://***@host/x`, also for every URL inside free text. */
export function redactUrl(url: string): string {
  return url.replace(USERINFO, '$1***@').replace(BARE_USERINFO, '$1***@');
}

/** True when a URL (valid or not) carries a user name or password. */
export function hasUrlCredentials(url: string): boolean {
  return /^\s*[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(url);
}

/** Replaces each known secret value (e.g. a resolved token) inside text by `***`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = redactUrl(text);
  // Very short values would blank out ordinary words; such a secret is no secret anyway.
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('***');
  return out;
}
