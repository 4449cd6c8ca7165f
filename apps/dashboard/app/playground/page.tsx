import { LazyPlayground } from '../../src/playground/lazy';

export const metadata = { title: 'Playground · nndl dashboard' };

export default function PlaygroundPage() {
  return (
    <>
      <h1>Playground</h1>
      <p className="muted small">
        Trains in your browser, in a Web Worker, on the 8,000 bundled training digits (2,000 held out for
        testing).
      </p>
      <LazyPlayground />
    </>
  );
}
