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
  { href: '/pathways', label: 'Pathways', match: (p: string) => p.startsWith('/pathways') },
  { href: '/flows', label: 'Flows', match: (p: string) => p.startsWith('/flows') },
  { href: '/patterns', label: 'Patterns', match: (p: string) => p.startsWith('/patterns') },
  { href: '/alerts', label: 'Alerts', match: (p: string) => p.startsWith('/alerts') },
];

function Links({ time }: { time?: string }) {
  const pathname = usePathname() ?? '/';
  return (
    <nav className="navlinks" aria-label="Sections">
      {LINKS.map((l) => (
        <Link
          key={l.href}
          href={time ? `${l.href}?${time}` : l.href}
          className={`navlink${l.match(pathname) ? ' active' : ''}`}
          aria-current={l.match(pathname) ? 'page' : undefined}
        >
          {l.label}
        </Link>
      ))}
    </nav>
  );
}

/** The time parameters of the current URL (range=, from=, to=, as given), for the next section. */
function LinksWithRange() {
  const sp = useSearchParams();
  const time = new URLSearchParams();
  for (const k of ['from', 'range', 'to', 'env', 'namespace']) {
    const v = sp?.get(k);
    if (v) time.set(k, v);
  }
  return <Links time={time.toString() || undefined} />;
}

export function NavLinks() {
  // useSearchParams needs a Suspense boundary so static shells (404) still prerender
  return (
    <Suspense fallback={<Links />}>
      <LinksWithRange />
    </Suspense>
  );
}
