/**
 * The fake API as its own process (benchmarks: the server must not share the harness's
 * event loop). Prints its URL on stdout, runs until SIGTERM/SIGINT.
 */
import { startFakeImageflow } from './fake-imageflow.ts';

const fake = await startFakeImageflow({ executionMs: 300 });
process.stdout.write(fake.url + '\n');
const stop = () => void fake.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
