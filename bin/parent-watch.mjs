// Parent-death watch for the CLI shim (plain JS: the shim runs on any Node before tsx loads).
import { readFileSync } from 'node:fs';

/**
 * The live parent pid. `process.ppid` is read once at start-up, so it cannot tell that the
 * parent died; the kernel's view (/proc/self/stat) can. Undefined where /proc is missing.
 * @returns {number | undefined}
 */
export function currentParentPid() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // "pid (comm) state ppid …" — comm may hold spaces and parentheses: read after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Calls `onOrphaned` once when this process's parent dies (we are re-parented). `npx`,
 * `npm run` and CI runners cancel a job by signalling the process they started, which is
 * not the harness: without this, a cancelled job would go on sending load. A parent pid of
 * 1 at start (started by init, or already orphaned) is not watched.
 * @param {() => void} onOrphaned
 * @param {number} [intervalMs]
 * @returns {() => void} stops watching
 */
export function watchParent(onOrphaned, intervalMs = 200) {
  const initial = currentParentPid();
  if (initial === undefined || initial <= 1) return () => {};
  const timer = setInterval(() => {
    const now = currentParentPid();
    if (now !== undefined && now !== initial) {
      clearInterval(timer);
      onOrphaned();
    }
  }, intervalMs);
  // The watch alone must never keep the process alive.
  timer.unref();
  return () => clearInterval(timer);
}
