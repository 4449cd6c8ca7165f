'use client';
/**
 * A neuron with two inputs as a map: its output over the plane (colour), the line w . x + b = 0 where the step
 * switches, and the four corners of the truth table. The grid is computed by @nndl/tensor in one batch.
 */
import * as d3 from 'd3';
import { useEffect, useRef } from 'react';
import { INPUT_PAIRS, type Neuron, outputGrid } from './perceptron';

const SIZE = 300;
const MARGIN = { top: 8, right: 10, bottom: 36, left: 40 };
const CELLS = 72;
const LO = -0.25;
const HI = 1.25;

/** Output 0 is orange, 1 is blue, 0.5 is white. */
export const outputColor = (v: number): string => d3.interpolateRdBu(0.08 + 0.84 * v);

export function DecisionMap({ neuron, title }: { neuron: Neuron; title: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const inner = SIZE - MARGIN.left - MARGIN.right;

  useEffect(() => {
    const ctx = canvas.current?.getContext('2d');
    if (!ctx) return;
    const values = outputGrid(neuron, CELLS, LO, HI);
    const cell = inner / CELLS;
    for (let r = 0; r < CELLS; r++)
      for (let c = 0; c < CELLS; c++) {
        ctx.fillStyle = outputColor(values[r * CELLS + c]!);
        ctx.fillRect(Math.floor(c * cell), Math.floor(r * cell), Math.ceil(cell) + 1, Math.ceil(cell) + 1);
      }
    const svg = d3.select(svgRef.current);
    svg.selectAll('*').remove();
    const x = d3.scaleLinear().domain([LO, HI]).range([0, inner]);
    const y = d3.scaleLinear().domain([LO, HI]).range([inner, 0]);
    const g = svg.append('g').attr('transform', `translate(${MARGIN.left},${MARGIN.top})`);
    g.append('g')
      .attr('class', 'axis')
      .attr('transform', `translate(0,${inner})`)
      .call(d3.axisBottom(x).ticks(4));
    g.append('g').attr('class', 'axis').call(d3.axisLeft(y).ticks(4));
    g.append('text')
      .attr('class', 'axis-label')
      .attr('x', inner / 2)
      .attr('y', inner + 31)
      .attr('text-anchor', 'middle')
      .text('x1');
    g.append('text')
      .attr('class', 'axis-label')
      .attr('transform', 'rotate(-90)')
      .attr('x', -inner / 2)
      .attr('y', -28)
      .attr('text-anchor', 'middle')
      .text('x2');
    // The boundary w1 x1 + w2 x2 + b = 0, clipped to the square.
    const [w1, w2] = neuron.weights;
    const b = neuron.bias;
    const ends: [number, number][] = [];
    if (w2 !== 0) for (const x1 of [LO, HI]) ends.push([x1, -(b + w1 * x1) / w2]);
    else if (w1 !== 0) for (const x2 of [LO, HI]) ends.push([-b / w1, x2]);
    if (ends.length === 2) {
      const id = 'map-clip';
      svg.append('clipPath').attr('id', id).append('rect').attr('width', inner).attr('height', inner);
      g.append('line')
        .attr('clip-path', `url(#${id})`)
        .attr('x1', x(ends[0]![0]))
        .attr('y1', y(ends[0]![1]))
        .attr('x2', x(ends[1]![0]))
        .attr('y2', y(ends[1]![1]))
        .attr('stroke', '#1b1f24')
        .attr('stroke-dasharray', '5 4');
    }
    const corners = g.selectAll('g.corner').data(INPUT_PAIRS).join('g').attr('class', 'corner');
    corners
      .append('circle')
      .attr('cx', (p) => x(p[0]))
      .attr('cy', (p) => y(p[1]))
      .attr('r', 5)
      .attr('fill', 'white')
      .attr('stroke', '#1b1f24');
    corners
      .append('text')
      .attr('class', 'rule-label')
      .attr('x', (p) => x(p[0]) + 8)
      .attr('y', (p) => y(p[1]) - 6)
      .attr('stroke', 'white')
      .attr('stroke-width', 3)
      .attr('paint-order', 'stroke')
      .text((p) => `(${p[0]}, ${p[1]})`);
  }, [neuron, inner]);

  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div style={{ position: 'relative', width: SIZE, height: SIZE }}>
        <canvas
          ref={canvas}
          width={inner}
          height={inner}
          style={{ position: 'absolute', left: MARGIN.left, top: MARGIN.top }}
        />
        <svg
          ref={svgRef}
          width={SIZE}
          height={SIZE}
          style={{ position: 'absolute', left: 0, top: 0 }}
          role="img"
          aria-label={title}
        />
      </div>
    </figure>
  );
}
