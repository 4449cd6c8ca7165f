import Link from 'next/link';
import { LESSONS } from '../../src/lessons/lessons';

export const metadata = { title: 'Lessons · nndl dashboard' };

export default function LessonsPage() {
  return (
    <>
      <h1>Lessons</h1>
      <p className="muted small">
        The books' interactive figures, each computed live in your browser by nndl itself: @nndl/tensor's
        autograd on the CPU backend, with nothing precomputed.
      </p>
      <ol className="lesson-list">
        {LESSONS.map((l) => (
          <li key={l.slug}>
            <Link href={`/lessons/${l.slug}`}>{l.title}</Link>{' '}
            <span className="muted small">({l.source})</span>
            <div className="small">{l.summary}</div>
          </li>
        ))}
      </ol>
    </>
  );
}
