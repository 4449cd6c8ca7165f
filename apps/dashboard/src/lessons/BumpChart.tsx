'use client';
/**
 * The universality chart: f and the network's function on [0, 1], with handles to drag (or move with the arrow
 * keys) each bump's height and each step's position. Axes and curves are drawn by d3; the handles are React
 * elements, so they keep their focus while the curves are redrawn under them.
 */
import * as d3 from 'd3';
import { type KeyboardEvent, type PointerEvent, useEffect, useMemo, useRef } from 'react';
import { useWidth } from '../charts/useWidth';
import type { Bumps } from './universality';

const MARGIN = { top: 14, right: 18, bottom: 52, left: 50 };
const Y_DOMAIN: [number, number] = [-0.1, 1.1];

export interface BumpChartProps {
  xs: readonly number[];
  target: readonly number[];
  network: ArrayLike<number>;
  /** The bumps to drag; null while a fitted network is shown. */
  bumps: Bumps | null;
  /** Where the network's hidden neurons step (drawn as ticks when `bumps` is null). */
  steps: readonly number[];
  onEdge(index: number, position: number): void;
  onHeight(index: number, height: number): void;
  height?: number;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

export function BumpChart(props: BumpChartProps) {
  const { bumps, height = 400 } = props;
  const box = useRef<HTMLDivElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const width = useWidth(box);
  const innerW = Math.max(50, width - MARGIN.left - MARGIN.right);
  const innerH = height - MARGIN.top - MARGIN.bottom;
  const x = useMemo(() => d3.scaleLinear().domain([0, 1]).range([0, innerW]), [innerW]);
  const y = useMemo(() => d3.scaleLinear().domain(Y_DOMAIN).range([innerH, 0]), [innerH]);
  const drag = useRef<{ kind: 'edge' | 'height'; index: number } | null>(null);

  useEffect(() => {
    const svg = d3.select(svgRef.current).select<SVGGElement>('g.plot');
    svg.selectAll('*').remove();
    svg
      .append('g')
      .attr('class', 'grid')
      .call(
        d3
          .axisLeft(y)
          .ticks(6)
          .tickSize(-innerW)
          .tickFormat(() => ''),
      );
    svg
      .append('g')
      .attr('class', 'axis')
      .attr('transform', `translate(0,${innerH})`)
      .call(d3.axisBottom(x).tickPadding(18));
    svg.append('g').attr('class', 'axis').call(d3.axisLeft(y).ticks(6));
    svg
      .append('text')
      .attr('class', 'axis-label')
      .attr('x', innerW / 2)
      .attr('y', innerH + 46)
      .attr('text-anchor', 'middle')
      .text('x');
    svg
      .append('text')
      .attr('class', 'axis-label')
      .attr('transform', 'rotate(-90)')
      .attr('x', -innerH / 2)
      .attr('y', -38)
      .attr('text-anchor', 'middle')
      .text('output');
    const line = d3
      .line<number>()
      .x((_, i) => x(props.xs[i]!))
      .y((v) => y(clamp(v, Y_DOMAIN[0] - 1, Y_DOMAIN[1] + 1)));
    svg
      .append('path')
      .attr('class', 'series')
      .attr('data-series', 'target')
      .attr('fill', 'none')
      .attr('stroke', '#1b1f24')
      .attr('stroke-width', 1.6)
      .attr('stroke-dasharray', '5 4')
      .attr('d', line(props.target as number[]));
    svg
      .append('path')
      .attr('class', 'series')
      .attr('data-series', 'network')
      .attr('fill', 'none')
      .attr('stroke', '#0072B2')
      .attr('stroke-width', 2)
      .attr('d', line(Array.from(props.network)));
    if (!bumps)
      svg
        .selectAll(null)
        .data(props.steps.filter((s) => s >= 0 && s <= 1))
        .join('line')
        .attr('x1', (s) => x(s))
        .attr('x2', (s) => x(s))
        .attr('y1', innerH - 8)
        .attr('y2', innerH)
        .attr('stroke', '#D55E00')
        .attr('stroke-width', 1.5);
  }, [props.xs, props.target, props.network, props.steps, bumps, x, y, innerW, innerH]);

  const toValue = (event: PointerEvent) => {
    const rect = svgRef.current!.getBoundingClientRect();
    return {
      position: x.invert(event.clientX - rect.left - MARGIN.left),
      height: y.invert(event.clientY - rect.top - MARGIN.top),
    };
  };
  const edgeLimits = (j: number): [number, number] =>
    bumps
      ? [
          j === 0 ? 0 : bumps.edges[j - 1]! + 0.005,
          j === bumps.heights.length ? 1 : bumps.edges[j + 1]! - 0.005,
        ]
      : [0, 1];
  const moveEdge = (j: number, position: number) => {
    const [lo, hi] = edgeLimits(j);
    props.onEdge(j, Math.round(clamp(position, lo, hi) * 1000) / 1000);
  };
  const moveHeight = (i: number, h: number) =>
    props.onHeight(i, Math.round(clamp(h, -0.1, 1.1) * 1000) / 1000);
  const onMove = (event: PointerEvent) => {
    const d = drag.current;
    if (!d) return;
    const v = toValue(event);
    if (d.kind === 'edge') moveEdge(d.index, v.position);
    else moveHeight(d.index, v.height);
  };
  const start = (kind: 'edge' | 'height', index: number) => (event: PointerEvent<SVGGElement>) => {
    drag.current = { kind, index };
    event.currentTarget.setPointerCapture(event.pointerId);
    (event.currentTarget as SVGGElement).focus();
  };
  const stop = () => {
    drag.current = null;
  };
  const keys = (kind: 'edge' | 'height', index: number) => (event: KeyboardEvent) => {
    if (!bumps) return;
    const big = event.shiftKey ? 5 : 1;
    if (kind === 'height') {
      const delta = event.key === 'ArrowUp' ? 0.01 : event.key === 'ArrowDown' ? -0.01 : 0;
      if (!delta) return;
      event.preventDefault();
      moveHeight(index, bumps.heights[index]! + big * delta);
    } else {
      const delta = event.key === 'ArrowRight' ? 0.005 : event.key === 'ArrowLeft' ? -0.005 : 0;
      if (!delta) return;
      event.preventDefault();
      moveEdge(index, bumps.edges[index]! + big * delta);
    }
  };

  return (
    <div className="chart-box" ref={box} style={{ height }}>
      <svg ref={svgRef} width={width} height={height} data-testid="bump-chart">
        <title>The network's function against f, with handles for the bumps</title>
        <g className="plot" transform={`translate(${MARGIN.left},${MARGIN.top})`} />
        {bumps && (
          <g transform={`translate(${MARGIN.left},${MARGIN.top})`}>
            {bumps.heights.map((h, i) => {
              const x0 = x(bumps.edges[i]!);
              const x1 = x(bumps.edges[i + 1]!);
              return (
                <g
                  key={`h${i}`}
                  className="handle"
                  role="slider"
                  tabIndex={0}
                  aria-label={`height of bump ${i + 1}`}
                  aria-valuemin={-0.1}
                  aria-valuemax={1.1}
                  aria-valuenow={h}
                  aria-orientation="vertical"
                  data-testid={`bump-height-${i}`}
                  onPointerDown={start('height', i)}
                  onPointerMove={onMove}
                  onPointerUp={stop}
                  onKeyDown={keys('height', i)}
                >
                  <rect x={x0} y={y(h) - 8} width={Math.max(2, x1 - x0)} height={16} fill="transparent" />
                  <line
                    className="handle-mark"
                    x1={x0}
                    x2={x1}
                    y1={y(h)}
                    y2={y(h)}
                    stroke="#D55E00"
                    strokeWidth={2}
                    strokeOpacity={0.8}
                  />
                  <circle cx={(x0 + x1) / 2} cy={y(h)} r={3.5} fill="#D55E00" />
                </g>
              );
            })}
            {bumps.edges.map((s, j) => (
              <g
                key={`e${j}`}
                className="handle"
                role="slider"
                tabIndex={0}
                aria-label={`step ${j + 1} position`}
                aria-valuemin={0}
                aria-valuemax={1}
                aria-valuenow={s}
                data-testid={`bump-edge-${j}`}
                onPointerDown={start('edge', j)}
                onPointerMove={onMove}
                onPointerUp={stop}
                onKeyDown={keys('edge', j)}
              >
                <line x1={x(s)} x2={x(s)} y1={0} y2={innerH} stroke="#8c959f" strokeDasharray="2 4" />
                <path
                  className="handle-mark"
                  d={`M${x(s)},${innerH + 4} l-6,11 h12 z`}
                  fill="#57606a"
                  stroke="#57606a"
                />
                <rect x={x(s) - 7} y={innerH + 2} width={14} height={16} fill="transparent" />
              </g>
            ))}
          </g>
        )}
      </svg>
    </div>
  );
}
