import Link from 'next/link';
import type { ReactNode } from 'react';
import { Suspense } from 'react';
import { NavLinks } from './NavLinks';
import { SearchBox } from './SearchBox';
import { UserMenu } from './UserMenu';

export function TopNav({ health }: { health: ReactNode }) {
  return (
    <header className="topnav">
      <Link href="/" className="brand" style={{ textDecoration: 'none' }}>
        <span className="brand-dot" aria-hidden />
        Eventscope
      </Link>
      <NavLinks />
      <div className="nav-spacer" />
      <SearchBox />
      {health}
      <Suspense fallback={null}>
        <UserMenu />
      </Suspense>
    </header>
  );
}
