'use client';
/**
 * A d3 line chart: linear or log axes, a legend, a hover tooltip with every series' nearest value, an optional
 * vertical marker (the scrubber's step), and a fixed height so that nothing below it moves while data arrives.
 */
import * as d3 from 'd3';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Point } from '../runs/derive';
import { useWidth } from './useWidth';

export interface LineSeries {
  id: string;
  label: string;
  color: string;
  points: readonly Point[];
  dash?: string;
  width?: number;
  /** Draw dots at the points (sparse series such as per-epoch accuracy). */
  dots?: boolean;
  /** Draw the line through the points (default true; false with `dots` makes a scatter plot). */
  line?: boolean;
  /** Dot radius (default 3). */
  radius?: number;
}

export interface LineChartProps {
  title: string;
  series: readonly LineSeries[];
  xLabel: string;
  yLabel: string;
  yScale?: 'linear' | 'log';
  xDomain?: [number, number];
  yDomain?: [number, number];
  height?: number;
  /** A vertical marker at this x (e.g. the scrubbed step). */
  marker?: number | null;
  /** Horizontal reference lines, e.g. the book's accuracy. */
  rules?: readonly { y: number; label: string; color?: string }[];
  emptyText?: string;
  format?: (v: number) => string;
  testId?: string;
}

const MARGIN = { top: 10, right: 16, bottom: 38, left: 58 };

export function LineChart(props: LineChartProps) {
  const { series, height = 260, yScale = 'linear', marker = null, rules = [] } = props;
  const box = useRef<HTMLDivElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const width = useWidth(box);
  const [hover, setHover] = useState<{
    x: number;
    px: number;
    rows: { label: string; color: string; y: number }[];
  } | null>(null);
  const format = props.format ?? d3.format('.3~g');

  const visible = useMemo(
    () =>
      series.map((s) => ({
        ...s,
        points: yScale === 'log' ? s.points.filter((p) => p[1] > 0 && Number.isFinite(p[1])) : s.points,
      })),
    [series, yScale],
  );
  const hasData = visible.some((s) => s.points.length > 0);

  useEffect(() => {
    const svg = d3.select(svgRef.current);
    svg.selectAll('*').remove();
    if (!hasData || width < 50) return;
    const innerW = width - MARGIN.left - MARGIN.right;
    const innerH = height - MARGIN.top - MARGIN.bottom;
    const all = visible.flatMap((s) => s.points);
    const xExtent = props.xDomain ?? (d3.extent(all, (p) => p[0]) as [number, number]);
    if (xExtent[0] === xExtent[1]) xExtent[1] = xExtent[0] + 1;
    let yExtent =
      props.yDomain ?? (d3.extent([...all.map((p) => p[1]), ...rules.map((r) => r.y)]) as [number, number]);
    if (yExtent[0] === yExtent[1]) yExtent = [yExtent[0] * 0.9 || -1, yExtent[1] * 1.1 || 1];
    const x = d3.scaleLinear().domain(xExtent).range([0, innerW]);
    const y = (yScale === 'log' ? d3.scaleLog() : d3.scaleLinear()).domain(yExtent).range([innerH, 0]);
    if (yScale === 'linear' && !props.yDomain) (y as d3.ScaleLinear<number, number>).nice();
    const g = svg.append('g').attr('transform', `translate(${MARGIN.left},${MARGIN.top})`);
    const xAxis = d3.axisBottom(x).ticks(Math.max(2, Math.floor(innerW / 90)), '~s');
    const yAxis =
      yScale === 'log'
        ? d3.axisLeft(y).ticks(Math.max(2, Math.floor(innerH / 40)), '.0e')
        : d3.axisLeft(y).ticks(Math.max(2, Math.floor(innerH / 40)));
    g.append('g')
      .attr('class', 'grid')
      .call(
        d3
          .axisLeft(y)
          .ticks(5)
          .tickSize(-innerW)
          .tickFormat(() => ''),
      );
    g.append('g').attr('transform', `translate(0,${innerH})`).attr('class', 'axis').call(xAxis);
    g.append('g').attr('class', 'axis').call(yAxis);
    g.append('text')
      .attr('class', 'axis-label')
      .attr('x', innerW / 2)
      .attr('y', innerH + 32)
      .attr('text-anchor', 'middle')
      .text(props.xLabel);
    g.append('text')
      .attr('class', 'axis-label')
      .attr('transform', 'rotate(-90)')
      .attr('x', -innerH / 2)
      .attr('y', -46)
      .attr('text-anchor', 'middle')
      .text(props.yLabel);
    const clip = `clip-${Math.random().toString(36).slice(2)}`;
    svg.append('clipPath').attr('id', clip).append('rect').attr('width', innerW).attr('height', innerH);
    const plot = g.append('g').attr('clip-path', `url(#${clip})`);
    for (const r of rules) {
      plot
        .append('line')
        .attr('class', 'rule')
        .attr('x1', 0)
        .attr('x2', innerW)
        .attr('y1', y(r.y))
        .attr('y2', y(r.y))
        .attr('stroke', r.color ?? '#555')
        .attr('stroke-dasharray', '4 4');
      g.append('text')
        .attr('class', 'rule-label')
        .attr('x', innerW - 4)
        .attr('y', y(r.y) - 4)
        .attr('text-anchor', 'end')
        .text(r.label);
    }
    const line = d3
      .line<Point>()
      .x((p) => x(p[0]))
      .y((p) => y(p[1]));
    for (const s of visible) {
      if (s.points.length === 0) continue;
      if (s.line !== false)
        plot
          .append('path')
          .attr('class', 'series')
          .attr('data-series', s.id)
          .attr('fill', 'none')
          .attr('stroke', s.color)
          .attr('stroke-width', s.width ?? 1.8)
          .attr('stroke-dasharray', s.dash ?? null)
          .attr('d', line(s.points as Point[]));
      if (s.dots)
        plot
          .selectAll(null)
          .data(s.points as Point[])
          .join('circle')
          .attr('cx', (p) => x(p[0]))
          .attr('cy', (p) => y(p[1]))
          .attr('r', s.radius ?? 3)
          .attr('fill', s.color)
          .attr('fill-opacity', s.line === false ? 0.7 : 1);
    }
    if (marker !== null && marker !== undefined) {
      plot
        .append('line')
        .attr('class', 'marker')
        .attr('x1', x(marker))
        .attr('x2', x(marker))
        .attr('y1', 0)
        .attr('y2', innerH);
    }
    const hoverLine = plot
      .append('line')
      .attr('class', 'hover-line')
      .attr('y1', 0)
      .attr('y2', innerH)
      .style('opacity', 0);
    const bisect = d3.bisector<Point, number>((p) => p[0]).center;
    g.append('rect')
      .attr('width', innerW)
      .attr('height', innerH)
      .attr('fill', 'transparent')
      .on('pointermove', (event: PointerEvent) => {
        const [mx] = d3.pointer(event);
        const xv = x.invert(mx);
        const rows = visible
          .filter((s) => s.points.length > 0)
          .map((s) => {
            const p = s.points[bisect(s.points as Point[], xv)]!;
            return { label: s.label, color: s.color, y: p[1], x: p[0] };
          });
        hoverLine.attr('x1', mx).attr('x2', mx).style('opacity', 1);
        setHover({ x: xv, px: mx + MARGIN.left, rows });
      })
      .on('pointerleave', () => {
        hoverLine.style('opacity', 0);
        setHover(null);
      });
  }, [
    visible,
    width,
    height,
    yScale,
    marker,
    rules,
    hasData,
    props.xDomain,
    props.yDomain,
    props.xLabel,
    props.yLabel,
  ]);

  return (
    <figure className="chart" data-testid={props.testId}>
      <figcaption>{props.title}</figcaption>
      <ul className="legend">
        {series.map((s) => (
          <li key={s.id}>
            <svg width="22" height="10" aria-hidden="true">
              {s.line === false ? (
                <circle cx="11" cy="5" r="3.5" fill={s.color} />
              ) : (
                <line
                  x1="0"
                  x2="22"
                  y1="5"
                  y2="5"
                  stroke={s.color}
                  strokeWidth="2.5"
                  strokeDasharray={s.dash}
                />
              )}
            </svg>
            {s.label}
          </li>
        ))}
      </ul>
      <div className="chart-box" ref={box} style={{ height }}>
        <svg ref={svgRef} width={width} height={height} role="img" aria-label={props.title} />
        {!hasData && <div className="chart-empty">{props.emptyText ?? 'No data yet'}</div>}
        {hover && (
          <div
            className="tooltip"
            style={{ left: Math.min(hover.px + 12, Math.max(0, width - 200)), top: MARGIN.top }}
            role="status"
          >
            <div className="tooltip-x">
              {props.xLabel} {format(hover.x)}
            </div>
            {hover.rows.map((r) => (
              <div key={r.label}>
                <span className="swatch" style={{ background: r.color }} /> {r.label}: {format(r.y)}
              </div>
            ))}
          </div>
        )}
      </div>
    </figure>
  );
}
