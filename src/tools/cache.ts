import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ToolName } from './manifest.ts';

/** What every provisioner (Go, apt, Maven) takes; here so that none imports another. */
export interface ProvisionOptions {
  env?: NodeJS.ProcessEnv;
  /** Progress lines for the terminal. */
  log?: (line: string) => void;
  /** Install missing Debian packages (needs root). Default: true. */
  allowInstall?: boolean;
}

/** binary name → absolute path */
export type ToolPaths = Record<string, string>;

export function toolCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SLO_HARNESS_TOOLS_DIR) return env.SLO_HARNESS_TOOLS_DIR;
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(base, 'slo-harness', 'tools');
}

/** Where a built (Go) or assembled (Maven) tool of this version lives in the cache. */
export function toolDir(name: ToolName, version: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(toolCacheRoot(env), `${name}-${version}`);
}
