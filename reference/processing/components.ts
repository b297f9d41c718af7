import sharp from 'sharp';
import { setTimeout as delay } from 'node:timers/promises';

/** One image in or out of a step. */
export interface ImageBlob {
  filename: string;
  contentType: string;
  data: Buffer;
}

export interface Detection {
  label: string;
  confidence: number;
  bbox: { x: number; y: number; width: number; height: number };
}

export interface ComponentResult {
  image: ImageBlob;
  /** Side outputs (ai_detection's detections JSON). */
  extra: ImageBlob[];
  detections?: Detection[];
  /** Seconds spent in model inference (ai_detection only). */
  inferenceSeconds?: number;
}

export type Params = Record<string, unknown>;

function num(p: Params, key: string, dflt: number): number {
  const v = p[key];
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : dflt;
}

export async function resize(input: ImageBlob, p: Params, base: string): Promise<ComponentResult> {
  const width = Math.max(1, Math.round(num(p, 'width', 800)));
  const height = Math.max(1, Math.round(num(p, 'height', 600)));
  const keep = p.maintain_aspect_ratio !== false && p.maintain_aspect_ratio !== 'false';
  const data = await sharp(input.data)
    .resize(width, height, { fit: keep ? 'inside' : 'fill', withoutEnlargement: false })
    .jpeg({ quality: 85 })
    .toBuffer();
  return { image: { filename: `${base}_resized.jpg`, contentType: 'image/jpeg', data }, extra: [] };
}

export const FILTER_TYPES = ['gaussian', 'blur', 'sharpen', 'brightness', 'contrast', 'saturation'] as const;

export async function filter(input: ImageBlob, p: Params, base: string): Promise<ComponentResult> {
  const type = typeof p.filter_type === 'string' ? p.filter_type : 'gaussian';
  const intensity = Math.min(10, Math.max(0.01, num(p, 'intensity', 1)));
  let img = sharp(input.data);
  switch (type) {
    case 'gaussian':
    case 'blur':
      img = img.blur(0.3 + intensity * 1.5);
      break;
    case 'sharpen':
      img = img.sharpen({ sigma: 0.5 + intensity });
      break;
    case 'brightness':
      img = img.modulate({ brightness: intensity });
      break;
    case 'contrast':
      img = img.linear(intensity, 128 * (1 - intensity));
      break;
    case 'saturation':
      img = img.modulate({ saturation: intensity });
      break;
    default:
      throw new RangeError(`filter_type "${type}" is not one of ${FILTER_TYPES.join(', ')}`);
  }
  const data = await img.jpeg({ quality: 85 }).toBuffer();
  return { image: { filename: `${base}_final.jpg`, contentType: 'image/jpeg', data }, extra: [] };
}

export async function enhancement(input: ImageBlob, _p: Params, base: string): Promise<ComponentResult> {
  const data = await sharp(input.data).normalise().jpeg({ quality: 85 }).toBuffer();
  return { image: { filename: `${base}_final.jpg`, contentType: 'image/jpeg', data }, extra: [] };
}

const LABELS = ['person', 'car', 'bicycle', 'dog', 'cat', 'traffic light'];

/**
 * Simulated object detection: real pixel work (channel statistics of a downscaled copy) picks
 * deterministic boxes, and the "model" latency is drawn from the configured distribution.
 */
export async function aiDetection(
  input: ImageBlob,
  p: Params,
  base: string,
  latency: { min: number; max: number },
): Promise<ComponentResult> {
  const threshold = num(p, 'confidence_threshold', 0.5);
  const started = performance.now();
  const { data: px, info } = await sharp(input.data)
    .resize(32, 32, { fit: 'fill' })
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  await delay(latency.min + (latency.max - latency.min) * Math.random());
  const inferenceSeconds = (performance.now() - started) / 1000;
  const meta = await sharp(input.data).metadata();
  const W = meta.width ?? info.width;
  const H = meta.height ?? info.height;
  const detections: Detection[] = [];
  // Bright 8x8 cells become "objects": deterministic for a given image.
  for (let cy = 0; cy < 4; cy++) {
    for (let cx = 0; cx < 4; cx++) {
      let sum = 0;
      for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) sum += px[(cy * 8 + y) * 32 + cx * 8 + x] ?? 0;
      const confidence = Math.round((sum / (64 * 255)) * 1000) / 1000;
      if (confidence >= threshold) {
        detections.push({
          label: LABELS[(cy * 4 + cx) % LABELS.length] ?? 'object',
          confidence,
          bbox: {
            x: Math.round((cx * W) / 4),
            y: Math.round((cy * H) / 4),
            width: Math.round(W / 4),
            height: Math.round(H / 4),
          },
        });
      }
    }
  }
  let img = sharp(input.data);
  if (p.draw_boxes !== false && p.draw_boxes !== 'false' && detections.length > 0) {
    const rects = detections
      .map(
        (d) =>
          `<rect x="${d.bbox.x}" y="${d.bbox.y}" width="${d.bbox.width}" height="${d.bbox.height}" fill="none" stroke="red" stroke-width="2"/>`,
      )
      .join('');
    img = img.composite([
      {
        input: Buffer.from(`<svg width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg">${rects}</svg>`),
        top: 0,
        left: 0,
      },
    ]);
  }
  const data = await img.jpeg({ quality: 85 }).toBuffer();
  const json = Buffer.from(JSON.stringify({ model_name: p.model_name ?? 'yolo11n', detections }, null, 2));
  return {
    image: { filename: `${base}_detected.jpg`, contentType: 'image/jpeg', data },
    extra: [{ filename: `${base}_detected.json`, contentType: 'application/json', data: json }],
    detections,
    inferenceSeconds,
  };
}
