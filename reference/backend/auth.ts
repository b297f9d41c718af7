import { randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import type { UserAccount } from '../config.ts';

export interface AuthUser {
  username: string;
  role: string;
}

/**
 * HS256 JWTs like the real backend's development setup. Verified tokens are cached until
 * they expire: signature checks would otherwise dominate the cost of a simple GET.
 */
export class Auth {
  private readonly key: Uint8Array;
  private readonly cache = new Map<string, { user: AuthUser; expMs: number }>();

  constructor(
    private readonly users: UserAccount[],
    secret: string | undefined,
    readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {
    this.key = secret ? new TextEncoder().encode(secret) : randomBytes(32);
  }

  check(username: unknown, password: unknown): AuthUser | undefined {
    const u = this.users.find((x) => x.username === username && x.password === password);
    return u ? { username: u.username, role: u.role } : undefined;
  }

  async issue(user: AuthUser, ttlSeconds = this.ttlSeconds): Promise<string> {
    const iat = Math.floor(this.now() / 1000);
    return new SignJWT({ role: user.role })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user.username)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ttlSeconds)
      .sign(this.key);
  }

  /** The user of a bearer token, or undefined when it is missing, forged or expired. */
  async verify(authorization: string | undefined): Promise<AuthUser | undefined> {
    if (!authorization?.startsWith('Bearer ')) return undefined;
    const token = authorization.slice(7).trim();
    const t = this.now();
    const hit = this.cache.get(token);
    if (hit) {
      if (hit.expMs > t) return hit.user;
      this.cache.delete(token);
      return undefined;
    }
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], currentDate: new Date(t) });
      if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number') return undefined;
      const user = { username: payload.sub, role: typeof payload.role === 'string' ? payload.role : 'user' };
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(token, { user, expMs: payload.exp * 1000 });
      return user;
    } catch {
      return undefined;
    }
  }
}
