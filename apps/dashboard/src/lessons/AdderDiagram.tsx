'use client';
/** The two-bit adder of chapter 1 as a circuit: each gate is the page's perceptron, coloured by its output. */
import { outputColor } from './DecisionMap';

export interface AdderState {
  x1: number;
  x2: number;
  g1: number;
  g2: number;
  g3: number;
  sum: number;
  carry: number;
}

const NODES = {
  x1: [40, 50],
  x2: [40, 190],
  g1: [170, 120],
  g2: [290, 50],
  g3: [290, 190],
  sum: [420, 120],
  carry: [300, 268],
} as const;
type NodeName = keyof typeof NODES;

const EDGES: [NodeName, NodeName][] = [
  ['x1', 'g1'],
  ['x2', 'g1'],
  ['x1', 'g2'],
  ['g1', 'g2'],
  ['g1', 'g3'],
  ['x2', 'g3'],
  ['g2', 'sum'],
  ['g3', 'sum'],
  ['g1', 'carry'],
];

export function AdderDiagram({ state, format }: { state: AdderState; format: (v: number) => string }) {
  const gate = (name: NodeName) => !name.startsWith('x');
  return (
    <svg
      width={520}
      height={300}
      role="img"
      aria-label={`adder: x1 ${state.x1}, x2 ${state.x2}, sum ${format(state.sum)}, carry ${format(state.carry)}`}
    >
      <defs>
        <marker
          id="arrow"
          viewBox="0 0 10 10"
          refX="10"
          refY="5"
          markerWidth="7"
          markerHeight="7"
          orient="auto"
        >
          <path d="M0,0 L10,5 L0,10 z" fill="#57606a" />
        </marker>
      </defs>
      {EDGES.map(([a, b]) => {
        const [x0, y0] = NODES[a];
        const [x1, y1] = NODES[b];
        const len = Math.hypot(x1 - x0, y1 - y0);
        const r = 22;
        return (
          <line
            key={`${a}-${b}`}
            x1={x0 + ((x1 - x0) * r) / len}
            y1={y0 + ((y1 - y0) * r) / len}
            x2={x1 - ((x1 - x0) * (r + 2)) / len}
            y2={y1 - ((y1 - y0) * (r + 2)) / len}
            stroke="#57606a"
            strokeWidth={1.4}
            markerEnd="url(#arrow)"
          />
        );
      })}
      {(Object.keys(NODES) as NodeName[]).map((name) => {
        const [x, y] = NODES[name];
        const v = state[name];
        return (
          <g key={name} data-node={name} data-value={v}>
            {gate(name) ? (
              <circle cx={x} cy={y} r={22} fill={outputColor(v)} stroke="#1b1f24" />
            ) : (
              <rect
                x={x - 20}
                y={y - 20}
                width={40}
                height={40}
                rx={6}
                fill={outputColor(v)}
                stroke="#1b1f24"
              />
            )}
            <text
              x={x}
              y={y + 5}
              textAnchor="middle"
              fontSize={13}
              fontWeight={600}
              fill={Math.abs(v - 0.5) > 0.3 ? 'white' : '#1b1f24'}
            >
              {format(v)}
            </text>
            <text x={x} y={y - 28} textAnchor="middle" className="rule-label">
              {name}
            </text>
          </g>
        );
      })}
      <text x={450} y={125} className="axis-label">
        → sum
      </text>
      <text x={330} y={273} className="axis-label">
        → carry
      </text>
      <text x={330} y={290} className="rule-label">
        (g1 twice: the book's weight -4)
      </text>
    </svg>
  );
}
