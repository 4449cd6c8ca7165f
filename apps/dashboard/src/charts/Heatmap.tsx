'use client';
import type { Histogram } from '@nndl/engine';
/**
 * Histograms over time as a heatmap: one column per probe (x: step), its bins stacked on a common value axis
 * (y), the colour the bin's share of that column (log-scaled, viridis). Cells are painted on a canvas (thousands of
 * rectangles), the axes are d3 on an SVG on top.
 */
import * as d3 from 'd3';
import { useEffect, useRef } from 'react';
import { useWidth } from './useWidth';

export interface HeatmapColumn {
  step: number;
  histogram: Histogram;
}

export function Heatmap(props: {
  title: string;
  columns: readonly HeatmapColumn[];
  marker?: number | null;
  height?: number;
  testId?: string;
}) {
  const { columns, height = 170, marker = null } = props;
  const box = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const width = useWidth(box, 300);
  const margin = { top: 6, right: 10, bottom: 30, left: 64 };

  useEffect(() => {
    const canvas = canvasRef.current;
    const svg = d3.select(svgRef.current);
    svg.selectAll('*').remove();
    if (!canvas) return;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.floor(width * dpr);
    canvas.height = Math.floor(height * dpr);
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    if (columns.length === 0 || width < 60) return;
    const innerW = width - margin.left - margin.right;
    const innerH = height - margin.top - margin.bottom;
    const lo = d3.min(columns, (c) => c.histogram.min)!;
    const hi = d3.max(columns, (c) => c.histogram.max)!;
    const steps = columns.map((c) => c.step);
    const last = steps.at(-1)!;
    const spacing = columns.length > 1 ? (last - steps[0]!) / (columns.length - 1) : 1;
    const x = d3
      .scaleLinear()
      .domain([steps[0]!, last + spacing])
      .range([0, innerW]);
    const y = d3
      .scaleLinear()
      .domain([lo, hi === lo ? lo + 1 : hi])
      .range([innerH, 0]);
    columns.forEach((c, i) => {
      const x0 = x(c.step);
      const x1 = x(columns[i + 1]?.step ?? c.step + spacing);
      const { min, max, counts } = c.histogram;
      const total = d3.sum(counts) || 1;
      const w = (max - min) / counts.length || 1e-12;
      counts.forEach((n, k) => {
        if (n === 0) return;
        const share = Math.log1p((100 * n) / total) / Math.log1p(100);
        ctx.fillStyle = d3.interpolateViridis(1 - share);
        const top = y(min + (k + 1) * w);
        const bottom = y(min + k * w);
        ctx.fillRect(
          margin.left + x0,
          margin.top + top,
          Math.max(1, x1 - x0 + 0.5),
          Math.max(1, bottom - top + 0.5),
        );
      });
    });
    const g = svg.append('g').attr('transform', `translate(${margin.left},${margin.top})`);
    g.append('g')
      .attr('class', 'axis')
      .attr('transform', `translate(0,${innerH})`)
      .call(d3.axisBottom(x).ticks(Math.max(2, Math.floor(innerW / 80)), '~s'));
    g.append('g').attr('class', 'axis').call(d3.axisLeft(y).ticks(4, '.1~e'));
    if (marker !== null) {
      g.append('line')
        .attr('class', 'marker')
        .attr('x1', x(marker))
        .attr('x2', x(marker))
        .attr('y1', 0)
        .attr('y2', innerH);
    }
  }, [columns, width, height, marker]);

  return (
    <figure className="chart heatmap" data-testid={props.testId}>
      <figcaption>{props.title}</figcaption>
      <div className="chart-box" ref={box} style={{ height }}>
        <canvas ref={canvasRef} style={{ width, height }} />
        <svg ref={svgRef} width={width} height={height} role="img" aria-label={props.title} />
        {columns.length === 0 && <div className="chart-empty">No histograms in this run</div>}
      </div>
    </figure>
  );
}
