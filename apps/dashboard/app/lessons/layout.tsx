import type { ReactNode } from 'react';
import { LessonNav } from '../../src/lessons/LessonNav';

export default function LessonsLayout({ children }: { children: ReactNode }) {
  return (
    <>
      <LessonNav />
      {children}
    </>
  );
}
