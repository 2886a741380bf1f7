'use client';
// Highlights the current section; the time range travels with the user between pages.
import Link from 'next/link';
import { Suspense } from 'react';
import { usePathname, useSearchParams } from 'next/navigation';

const LINKS = [
  { href: '/', label: 'Flow map', match: (p: string) => p === '/' },
  { href: '/requests', label: 'Requests', match: (p: string) => p.startsWith('/requests') },
  { href: '/lag', label: 'Consumer lag', match: (p: string) => p.startsWith('/lag') },
  { href: '/anomalies', label: 'Anomalies', match: (p: string) => p.startsWith('/anomalies') },
];

function Links({ range }: { range?: string | null }) {
  const pathname = usePathname() ?? '/';
  return (
    <nav className="navlinks" aria-label="Sections">
      {LINKS.map((l) => (
        <Link
          key={l.href}
          href={range ? `${l.href}?range=${encodeURIComponent(range)}` : l.href}
          className={`navlink${l.match(pathname) ? ' active' : ''}`}
          aria-current={l.match(pathname) ? 'page' : undefined}
        >
          {l.label}
        </Link>
      ))}
    </nav>
  );
}

function LinksWithRange() {
  return <Links range={useSearchParams()?.get('range')} />;
}

export function NavLinks() {
  // useSearchParams needs a Suspense boundary so static shells (404) still prerender
  return (
    <Suspense fallback={<Links />}>
      <LinksWithRange />
    </Suspense>
  );
}
