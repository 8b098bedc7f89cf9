/**
 * The site icon, drawn here and encoded at build time (src/web/build-assets.ts): a keyhole on the
 * UI's accent colour, 32×32, as a PNG inside an ICO container (what /favicon.ico is expected to
 * be; every current browser reads PNG-in-ICO). Deterministic: the same code gives the same bytes.
 */
import { deflateSync } from "node:zlib";

const SIZE = 32;
const SAMPLES = 4; // per axis: 16 samples a pixel for smooth edges
const ACCENT = [0x27, 0x55, 0xd6] as const; // --accent of app.css

/** Coverage of the shape at a point (pixel units, origin top left): 0 none, 1 background, 2 keyhole. */
function shapeAt(x: number, y: number): 0 | 1 | 2 {
  const r = 7; // rounded square corner radius
  const cx = Math.min(Math.max(x, r), SIZE - r);
  const cy = Math.min(Math.max(y, r), SIZE - r);
  if ((x - cx) ** 2 + (y - cy) ** 2 > r * r) return 0;
  const inHead = (x - 16) ** 2 + (y - 12.5) ** 2 <= 5.5 ** 2;
  const stemHalfWidth = 2 + ((y - 12) / 13) * 2; // widening from 2 to 4 between y 12 and 25
  const inStem = y >= 12 && y <= 25 && Math.abs(x - 16) <= stemHalfWidth;
  return inHead || inStem ? 2 : 1;
}

/** Straight RGBA pixels, one PNG scanline (filter byte 0) per row. */
function scanlines(): Uint8Array {
  const out = new Uint8Array(SIZE * (1 + SIZE * 4));
  for (let py = 0; py < SIZE; py++) {
    const row = py * (1 + SIZE * 4);
    for (let px = 0; px < SIZE; px++) {
      let background = 0;
      let hole = 0;
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const s = shapeAt(px + (sx + 0.5) / SAMPLES, py + (sy + 0.5) / SAMPLES);
          if (s === 1) background++;
          if (s === 2) hole++;
        }
      }
      const covered = background + hole;
      const i = row + 1 + px * 4;
      if (covered === 0) continue;
      const white = hole / covered; // colour of the covered part, alpha from how much is covered
      for (let c = 0; c < 3; c++) out[i + c] = Math.round(ACCENT[c]! * (1 - white) + 255 * white);
      out[i + 3] = Math.round((255 * covered) / (SAMPLES * SAMPLES));
    }
  }
  return out;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const body = new Uint8Array(4 + data.length);
  body.set(new TextEncoder().encode(type), 0);
  body.set(data, 4);
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(body, 4);
  view.setUint32(8 + data.length, Bun.hash.crc32(body));
  return out;
}

function png(): Uint8Array {
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, SIZE);
  view.setUint32(4, SIZE);
  header.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, no filter method, no interlace
  const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", header), chunk("IDAT", deflateSync(scanlines(), { level: 9 })), chunk("IEND", new Uint8Array())];
  return concat(parts);
}

/** The ICO file: one 32×32 image, stored as PNG. */
export function faviconIco(): Uint8Array {
  const image = png();
  const head = new Uint8Array(22);
  const view = new DataView(head.buffer);
  view.setUint16(2, 1, true); // type: icon
  view.setUint16(4, 1, true); // one image
  head.set([SIZE, SIZE, 0, 0], 6); // width, height, no palette, reserved
  view.setUint16(10, 1, true); // colour planes
  view.setUint16(12, 32, true); // bits per pixel
  view.setUint32(14, image.length, true);
  view.setUint32(18, 22, true); // the image starts after this header
  return concat([head, image]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
