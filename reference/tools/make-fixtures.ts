/**
 * Regenerates the tiny image fixtures the k6 scenarios upload (scenarios/fixtures/images).
 * Deterministic: drawn from SVG, no randomness. Run: npx tsx reference/tools/make-fixtures.ts
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

const OUT = join(import.meta.dirname, '../../scenarios/fixtures/images');

function scene(w: number, h: number, hue: number): Buffer {
  const svg = `<svg width="${w}" height="${h}" xmlns="http://www.w3.org/2000/svg">
  <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
    <stop offset="0" stop-color="hsl(${hue},70%,25%)"/><stop offset="1" stop-color="hsl(${(hue + 60) % 360},70%,75%)"/>
  </linearGradient></defs>
  <rect width="100%" height="100%" fill="url(#g)"/>
  <circle cx="${w * 0.3}" cy="${h * 0.4}" r="${Math.min(w, h) * 0.18}" fill="white" fill-opacity="0.85"/>
  <rect x="${w * 0.55}" y="${h * 0.5}" width="${w * 0.3}" height="${h * 0.35}" fill="hsl(${(hue + 180) % 360},80%,60%)"/>
</svg>`;
  return Buffer.from(svg);
}

const fixtures: Array<{ name: string; w: number; h: number; hue: number; fmt: 'jpeg' | 'png' }> = [
  { name: 'sample-320x240.jpg', w: 320, h: 240, hue: 200, fmt: 'jpeg' },
  { name: 'sample-640x480.jpg', w: 640, h: 480, hue: 20, fmt: 'jpeg' },
  { name: 'sample-64x64.jpg', w: 64, h: 64, hue: 120, fmt: 'jpeg' },
  { name: 'sample-256x256.png', w: 256, h: 256, hue: 280, fmt: 'png' },
];

mkdirSync(OUT, { recursive: true });
for (const f of fixtures) {
  const img = sharp(scene(f.w, f.h, f.hue));
  const info = await (f.fmt === 'jpeg' ? img.jpeg({ quality: 70 }) : img.png({ palette: true })).toFile(
    join(OUT, f.name),
  );
  console.log(`${f.name}: ${info.size} bytes`);
}
