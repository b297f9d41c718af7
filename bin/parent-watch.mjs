// Parent-death watch for the CLI shim (plain JS: the shim runs on any Node before tsx loads).
import { readFileSync } from 'node:fs';

/**
 * A process's parent pid and start time (clock ticks since boot) from /proc/<pid>/stat;
 * undefined once it has exited (or is a zombie) or where /proc is missing.
 * @param {number | 'self'} pid
 * @returns {{ ppid: number, start: string } | undefined}
 */
function stat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid … starttime(22nd field)" — comm may hold spaces and parentheses.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    if (rest[0] === 'Z') return undefined;
    return { ppid: Number(rest[1]), start: rest[19] ?? '' };
  } catch {
    return undefined;
  }
}

/** @param {number} pid */
function isNpm(pid) {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    // npm sets its process title ("npm exec slo-harness …"), which replaces its argv here.
    return argv.slice(0, 2).some((a) => /(^|\/)(npm|npx)(-cli\.js)?( |$)/.test(a));
  } catch {
    return false;
  }
}

/**
 * The processes whose death means "the job was cancelled": our parent, and when we were
 * started through npm (`npx`, `npm run`, `npm exec`), every ancestor up to that npm process.
 * npm runs us through `sh -c`, and killing npm outright (SIGKILL) leaves that shell — our
 * parent — alive: watching the parent alone would miss the cancel.
 * @returns {Array<{ pid: number, start: string }>}
 */
export function launcherChain(maxDepth = 5) {
  const chain = [];
  let pid = stat('self')?.ppid;
  for (let depth = 0; pid !== undefined && pid > 1 && depth < maxDepth; depth++) {
    const s = stat(pid);
    if (!s) break;
    chain.push({ pid, start: s.start });
    if (isNpm(pid)) return chain;
    pid = s.ppid;
  }
  return chain.slice(0, 1);
}

/**
 * Calls `onOrphaned` once when a process of the launcher chain dies (`parentOnly`: our
 * parent). CI runners cancel a job by signalling the process they started, which is not the
 * harness: without this, a cancelled job would go on sending load. Nothing is watched when
 * we were started by init (parent pid 1).
 * @param {() => void} onOrphaned
 * @param {{ intervalMs?: number, parentOnly?: boolean }} [opts]
 * @returns {() => void} stops watching
 */
export function watchParent(onOrphaned, opts = {}) {
  const chain = opts.parentOnly ? launcherChain().slice(0, 1) : launcherChain();
  if (chain.length === 0) return () => {};
  const timer = setInterval(() => {
    if (chain.every((p) => stat(p.pid)?.start === p.start)) return;
    clearInterval(timer);
    onOrphaned();
  }, opts.intervalMs ?? 200);
  // The watch alone must never keep the process alive.
  timer.unref();
  return () => clearInterval(timer);
}
