import type { Metadata } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import './globals.css';

export const metadata: Metadata = {
  title: 'nndl dashboard',
  description: 'Runs, per-layer gradient charts, an in-browser playground and lessons for nndl.',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="topbar">
          <Link href="/" className="brand">
            nndl
          </Link>
          <nav aria-label="main">
            <Link href="/">Runs</Link>
            <Link href="/compare">Compare</Link>
            <Link href="/playground">Playground</Link>
            <Link href="/lessons">Lessons</Link>
          </nav>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
