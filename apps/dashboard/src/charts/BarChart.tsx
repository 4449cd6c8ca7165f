'use client';
/** Horizontal bars on a log scale: the speed of learning of each layer at one step (Nielsen's chapter 5). */
import * as d3 from 'd3';
import { useEffect, useRef } from 'react';
import { useWidth } from './useWidth';

export interface Bar {
  label: string;
  value: number;
  color: string;
}

export function BarChart(props: { title: string; bars: readonly Bar[]; xLabel: string; testId?: string }) {
  const { bars } = props;
  const box = useRef<HTMLDivElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const width = useWidth(box);
  const rowHeight = 26;
  const margin = { top: 6, right: 70, bottom: 36, left: 150 };
  // Room for six layers whatever the run has, so the page does not move when bars arrive.
  const height = margin.top + margin.bottom + Math.max(6, bars.length) * rowHeight;

  useEffect(() => {
    const svg = d3.select(svgRef.current);
    svg.selectAll('*').remove();
    const positive = bars.filter((b) => b.value > 0 && Number.isFinite(b.value));
    if (positive.length === 0 || width < 50) return;
    const innerW = width - margin.left - margin.right;
    const [lo, hi] = d3.extent(positive, (b) => b.value) as [number, number];
    const x = d3
      .scaleLog()
      .domain([lo / 3, hi * 1.5])
      .range([0, innerW]);
    const y = d3
      .scaleBand()
      .domain(bars.map((b) => b.label))
      .range([0, bars.length * rowHeight])
      .padding(0.2);
    const g = svg.append('g').attr('transform', `translate(${margin.left},${margin.top})`);
    g.append('g')
      .attr('class', 'axis')
      .attr('transform', `translate(0,${bars.length * rowHeight})`)
      .call(d3.axisBottom(x).ticks(Math.max(2, Math.floor(innerW / 80)), '.0e'));
    g.append('g').attr('class', 'axis').call(d3.axisLeft(y).tickSize(0).tickPadding(6));
    g.append('text')
      .attr('class', 'axis-label')
      .attr('x', innerW / 2)
      .attr('y', bars.length * rowHeight + 32)
      .attr('text-anchor', 'middle')
      .text(props.xLabel);
    const rows = g
      .selectAll('g.bar')
      .data(positive)
      .join('g')
      .attr('class', 'bar')
      .attr('transform', (b) => `translate(0,${y(b.label)})`);
    rows
      .append('rect')
      .attr('height', y.bandwidth())
      .attr('width', (b) => Math.max(1, x(b.value)))
      .attr('fill', (b) => b.color)
      .append('title')
      .text((b) => `${b.label}: ${b.value.toExponential(3)}`);
    rows
      .append('text')
      .attr('class', 'bar-value')
      .attr('x', (b) => x(b.value) + 4)
      .attr('y', y.bandwidth() / 2 + 4)
      .text((b) => b.value.toExponential(2));
  }, [bars, width, height]);

  return (
    <figure className="chart" data-testid={props.testId}>
      <figcaption>{props.title}</figcaption>
      <div className="chart-box" ref={box} style={{ height }}>
        <svg ref={svgRef} width={width} height={height} role="img" aria-label={props.title} />
        {bars.length === 0 && <div className="chart-empty">No gradient probes in this run</div>}
      </div>
    </figure>
  );
}
