/**
 * Launch contract: `node --import tsx reference/main.ts <backend-api|workflows|processing>`,
 * configured by environment only (see docs/reference-system.md). SIGTERM/SIGINT → graceful
 * shutdown (spans flushed) and exit 0 within 5 s.
 */
import { formatError } from './shared/errors.ts';
import { loadConfig } from './config.ts';
import { startService } from './server.ts';

const config = loadConfig(process.argv[2] ?? '');
if (config instanceof Error) {
  console.error(formatError(config));
  process.exit(2);
}

try {
  const svc = await startService(config);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    svc.rt.logger.info(`${config.service} stopping on ${signal}`);
    // Hard deadline below the 5 s the stack allows; a stuck exporter must not block exit.
    setTimeout(() => process.exit(0), 4000).unref();
    svc.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(formatError(err));
        process.exit(0);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
} catch (err) {
  console.error(formatError(err));
  process.exit(1);
}
