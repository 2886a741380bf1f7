import Link from 'next/link';
import type { ReactNode } from 'react';
import { NavLinks } from './NavLinks';

export function TopNav({ health }: { health: ReactNode }) {
  return (
    <header className="topnav">
      <Link href="/" className="brand" style={{ textDecoration: 'none' }}>
        <span className="brand-dot" aria-hidden />
        Eventscope
      </Link>
      <NavLinks />
      <div className="nav-spacer" />
      {health}
    </header>
  );
}
