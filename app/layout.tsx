// Root layout: top navigation with a live health indicator around every page.
import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { Suspense } from 'react';
import './globals.css';
import { TopNav } from '@/components/nav/TopNav';
import { HealthBadge } from '@/components/nav/HealthBadge';

export const metadata: Metadata = {
  title: 'Eventscope',
  description: 'Flow maps, request timelines, consumer lag and delivery anomalies for event-driven systems.',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <TopNav
          health={
            <Suspense fallback={<span className="health">checking store…</span>}>
              <HealthBadge />
            </Suspense>
          }
        />
        <main className="page">{children}</main>
      </body>
    </html>
  );
}
