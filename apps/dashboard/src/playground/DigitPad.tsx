'use client';
/**
 * A canvas to draw a digit on. On each stroke's end the drawing is turned into a 28x28 MNIST-like image: the ink's
 * bounding box scaled to fit 20x20, then shifted so that its centre of mass sits at the centre (as MNIST's digits
 * were prepared), values in [0, 1].
 */
import { useEffect, useRef } from 'react';

const SIZE = 280;

function toMnist(source: HTMLCanvasElement): Float32Array | null {
  const ctx = source.getContext('2d')!;
  const { data } = ctx.getImageData(0, 0, SIZE, SIZE);
  let x0 = SIZE;
  let y0 = SIZE;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < SIZE; y++)
    for (let x = 0; x < SIZE; x++)
      if (data[(y * SIZE + x) * 4]! > 20) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
  if (x1 < 0) return null;
  const w = x1 - x0 + 1;
  const h = y1 - y0 + 1;
  const scale = 20 / Math.max(w, h);
  const small = document.createElement('canvas');
  small.width = 28;
  small.height = 28;
  const s = small.getContext('2d', { willReadFrequently: true })!;
  const draw = (dx: number, dy: number) => {
    s.fillStyle = 'black';
    s.fillRect(0, 0, 28, 28);
    s.imageSmoothingEnabled = true;
    s.imageSmoothingQuality = 'high';
    s.drawImage(
      source,
      x0,
      y0,
      w,
      h,
      14 - (w * scale) / 2 + dx,
      14 - (h * scale) / 2 + dy,
      w * scale,
      h * scale,
    );
    return s.getImageData(0, 0, 28, 28).data;
  };
  let pixels = draw(0, 0);
  let mass = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < 784; i++) {
    const v = pixels[i * 4]!;
    mass += v;
    cx += v * (i % 28);
    cy += v * Math.floor(i / 28);
  }
  if (mass > 0) pixels = draw(13.5 - cx / mass, 13.5 - cy / mass);
  const out = new Float32Array(784);
  for (let i = 0; i < 784; i++) out[i] = pixels[i * 4]! / 255;
  return out;
}

export function DigitPad(props: { onDigit: (pixels: Float32Array | null) => void; testId?: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const drawing = useRef(false);
  const last = useRef<[number, number] | null>(null);
  const onDigit = useRef(props.onDigit);
  onDigit.current = props.onDigit;

  const clear = () => {
    const ctx = ref.current?.getContext('2d', { willReadFrequently: true });
    if (!ctx) return;
    ctx.fillStyle = 'black';
    ctx.fillRect(0, 0, SIZE, SIZE);
    onDigit.current(null);
  };
  useEffect(clear, []);

  const point = (e: React.PointerEvent<HTMLCanvasElement>): [number, number] => {
    const r = e.currentTarget.getBoundingClientRect();
    return [((e.clientX - r.left) * SIZE) / r.width, ((e.clientY - r.top) * SIZE) / r.height];
  };
  const stroke = (to: [number, number]) => {
    const ctx = ref.current!.getContext('2d', { willReadFrequently: true })!;
    const from = last.current ?? to;
    ctx.strokeStyle = 'white';
    ctx.lineWidth = 20;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(from[0], from[1]);
    ctx.lineTo(to[0] + 0.01, to[1]);
    ctx.stroke();
    last.current = to;
  };

  return (
    <div>
      <canvas
        ref={ref}
        className="pad"
        data-testid={props.testId}
        width={SIZE}
        height={SIZE}
        style={{ width: SIZE, height: SIZE }}
        aria-label="Draw a digit here"
        onPointerDown={(e) => {
          e.currentTarget.setPointerCapture(e.pointerId);
          drawing.current = true;
          last.current = null;
          stroke(point(e));
        }}
        onPointerMove={(e) => {
          if (drawing.current) stroke(point(e));
        }}
        onPointerUp={() => {
          drawing.current = false;
          last.current = null;
          if (ref.current) onDigit.current(toMnist(ref.current));
        }}
      />
      <div className="toolbar">
        <button type="button" onClick={clear}>
          Clear
        </button>
        <span className="muted small">Draw a digit 0–9, large and centred.</span>
      </div>
    </div>
  );
}

export function Probabilities({ probabilities }: { probabilities: number[] | null }) {
  const best = probabilities ? probabilities.indexOf(Math.max(...probabilities)) : -1;
  return (
    <div className="probs" data-testid="probabilities">
      <div className="prediction" data-testid="prediction" aria-live="polite">
        {best >= 0 ? best : '?'}
      </div>
      <div className="muted small">prediction, and the network's probability for each digit</div>
      {Array.from({ length: 10 }, (_, d) => {
        const p = probabilities?.[d] ?? 0;
        return (
          <div className={`prob-row${d === best ? ' top' : ''}`} key={d}>
            <span>{d}</span>
            <div className="prob-bar">
              <div style={{ width: `${(100 * p).toFixed(1)}%` }} />
            </div>
            <span>{(100 * p).toFixed(1)}%</span>
          </div>
        );
      })}
    </div>
  );
}
