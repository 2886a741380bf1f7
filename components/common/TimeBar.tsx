// The time controls every page header carries: the range, "link to this moment" and live refresh.
import { Suspense } from 'react';
import type { PageUrl } from '@/lib/ui/url';
import { RangePicker } from './RangePicker';
import { LiveControl, MomentLink } from './Live';

export function TimeBar({ url, intervalMs, timeless }: { url: PageUrl; intervalMs: number; timeless?: boolean }) {
  const { time, window, live } = url;
  return (
    // the client pieces read the URL (useSearchParams); the boundary keeps them out of any static shell
    <Suspense fallback={null}>
      {timeless ? null : <RangePicker time={time} window={window} />}
      {timeless ? null : <MomentLink window={window} relative={time.relative} />}
      {/* a new range starts from its own live default */}
      <LiveControl key={`${time.from}|${time.to}`} initialLive={live} relative={time.relative} intervalMs={intervalMs} renderedAt={Date.now()} />
    </Suspense>
  );
}

/** What the URL asked for that this page could not do, said instead of silently ignored. */
export function UrlNotices({ notices }: { notices: string[] }) {
  if (notices.length === 0) return null;
  return (
    <div className="notice-warn" role="status" data-testid="url-notice">
      {notices.map((n) => (
        <div key={n}>{n}</div>
      ))}
    </div>
  );
}
