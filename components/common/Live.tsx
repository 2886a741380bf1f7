'use client';
// Live refresh: while on, the page re-renders in place every few seconds (router.refresh(): server
// components fetch fresh data, client components keep their state — selection, open panels,
// scroll), and not while the tab is hidden. Pause/resume is kept in the URL (live=off|on) with
// history.replaceState, so it survives a reload and nothing is fetched for the change itself.
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useEffect, useRef, useState, useTransition } from 'react';
import { absoluteQuery, hrefWith } from '@/lib/ui/url';

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);

export function LiveControl({
  initialLive,
  relative,
  intervalMs,
  renderedAt,
}: {
  initialLive: boolean;
  /** the range moves with the clock; live is its default */
  relative: boolean;
  intervalMs: number;
  /** when the server rendered the data now shown (epoch ms) */
  renderedAt: number;
}) {
  const router = useRouter();
  const pathname = usePathname() ?? '/';
  const sp = useSearchParams();
  const [live, setLive] = useState(initialLive);
  const [pending, startTransition] = useTransition();
  const pendingRef = useRef(false);
  pendingRef.current = pending;

  useEffect(() => {
    if (!live) return;
    const refresh = () => {
      if (document.visibilityState !== 'visible' || pendingRef.current) return;
      startTransition(() => router.refresh());
    };
    const timer = setInterval(refresh, intervalMs);
    // back from a hidden tab: catch up at once instead of waiting for the next tick
    const onVisible = () => {
      if (document.visibilityState === 'visible') refresh();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [live, intervalMs, router]);

  const toggle = () => {
    const next = !live;
    setLive(next);
    const params = Object.fromEntries(sp?.entries() ?? []);
    // the default needs no parameter: live for a relative range, paused for an absolute one
    window.history.replaceState(null, '', hrefWith(pathname, params, { live: next === relative ? undefined : next ? 'on' : 'off' }));
  };

  return (
    <span className="toolbar live" data-testid="live" data-state={live ? 'on' : 'off'}>
      <span className={`live-dot${live ? ' on' : ''}${pending ? ' busy' : ''}`} aria-hidden />
      <span className="live-text" title={live ? `refreshes every ${Math.round(intervalMs / 1000)} s while this tab is visible` : 'not refreshing'}>
        {live ? 'Live' : 'Paused'} · updated <span data-testid="live-updated">{clock(renderedAt)}</span> UTC
      </span>
      <button type="button" className="btn secondary small" onClick={toggle} data-testid="live-toggle" aria-pressed={live}>
        {live ? 'Pause' : 'Resume'}
      </button>
    </span>
  );
}

/** Copies a link to exactly the window shown now: a relative range becomes absolute from/to. */
export function MomentLink({ window: w, relative }: { window: { fromMs: number; toMs: number }; relative: boolean }) {
  const pathname = usePathname() ?? '/';
  const sp = useSearchParams();
  const [copied, setCopied] = useState<string | null>(null);
  const onClick = async () => {
    const params = Object.fromEntries(sp?.entries() ?? []);
    const href = new URL(hrefWith(pathname, params, absoluteQuery(w)), window.location.origin).toString();
    try {
      await navigator.clipboard.writeText(href);
      setCopied(href);
    } catch {
      setCopied(href); // no clipboard (plain HTTP on another host): the link is shown to open or copy by hand
    }
  };
  return (
    <span className="toolbar">
      <button
        type="button"
        className="btn secondary small"
        onClick={onClick}
        data-testid="moment-link"
        title={relative ? 'copy a link to the exact times shown now (it shows the same data tomorrow)' : 'copy a link to this range'}
      >
        {relative ? 'Link to this moment' : 'Copy link'}
      </button>
      {copied ? (
        <a href={copied} className="help" data-testid="moment-href" title={copied}>
          copied · open
        </a>
      ) : null}
    </span>
  );
}
