'use client';
/** The lessons' own navigation: every lesson, the current one marked (aria-current). */
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { LESSONS } from './lessons';

export function LessonNav() {
  const path = usePathname();
  return (
    <nav aria-label="lessons" className="lesson-nav">
      <Link href="/lessons" aria-current={path === '/lessons' ? 'page' : undefined}>
        All lessons
      </Link>
      {LESSONS.map((l, i) => {
        const href = `/lessons/${l.slug}`;
        return (
          <Link key={l.slug} href={href} aria-current={path === href ? 'page' : undefined}>
            {i + 1}. {l.title}
          </Link>
        );
      })}
    </nav>
  );
}
