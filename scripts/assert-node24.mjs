// Runs first in `npm test`: proves the suite runs on the pinned Node 24, not the machine's Node.
const major = Number(process.versions.node.split('.')[0]);
if (major !== 24) {
  console.error(
    `slo-harness: tests must run on Node 24 LTS, but this is Node ${process.versions.node}.\n` +
      'hint: run them through npm (`npm test`), which puts the pinned node@24 devDependency first on PATH; run `npm ci` if it is missing.',
  );
  process.exit(1);
}
console.log(`node ${process.versions.node} (${process.execPath})`);
