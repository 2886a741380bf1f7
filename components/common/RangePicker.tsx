'use client';
// The time range: presets, any relative range (now-3h) or absolute from/to, typed in the API's
// grammar or picked as local date-times; kept in the URL as from/to. Other parameters are kept.
import Link from 'next/link';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useRef, useState, type FormEvent } from 'react';
import { ApiError } from '@/lib/api/errors';
import { describeRange, hrefWith, PRESETS, presetShort, resolveWindow, timeQuery, type TimeParams } from '@/lib/ui/url';

const current = (sp: URLSearchParams | null) => Object.fromEntries(sp?.entries() ?? []);

/** A datetime-local value (local time, no zone) for epoch ms, and back to an ISO instant. */
function toLocalInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}
const fromLocalInput = (v: string): string | undefined => {
  const ms = new Date(v).getTime(); // datetime-local values parse as local time
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
};

export function RangePicker({ time, window }: { time: TimeParams; window: { fromMs: number; toMs: number } }) {
  const pathname = usePathname() ?? '/';
  const sp = useSearchParams();
  const router = useRouter();
  const details = useRef<HTMLDetailsElement>(null);
  const [error, setError] = useState<string | null>(null);
  const href = (t: TimeParams) => hrefWith(pathname, current(sp), { ...timeQuery(t), live: undefined });

  const go = (t: TimeParams) => {
    try {
      resolveWindow(t, new Date());
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
      return;
    }
    setError(null);
    if (details.current) details.current.open = false;
    router.push(href(t));
  };
  const onTyped = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    go({ from: String(f.get('from') ?? '').trim(), to: String(f.get('to') ?? '').trim() || 'now' });
  };
  const onPicked = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const from = fromLocalInput(String(f.get('from') ?? ''));
    const to = fromLocalInput(String(f.get('to') ?? ''));
    if (!from || !to) return setError('pick both a start and an end');
    go({ from, to });
  };
  const label = describeRange(time, window);

  return (
    <span className="toolbar" data-testid="range-picker">
      <span className="control-label">Time range</span>
      <span className="segmented" role="group" aria-label="Quick time ranges">
        {PRESETS.map((p) => {
          const on = time.from === p && time.to === 'now';
          return (
            <Link key={p} href={href({ from: p, to: 'now' })} className={on ? 'on' : undefined} aria-pressed={on} title={`the last ${presetShort(p)}`}>
              {presetShort(p)}
            </Link>
          );
        })}
      </span>
      <details className="range-more" ref={details}>
        <summary data-testid="range-label" title="choose any range">
          {label.charAt(0).toUpperCase() + label.slice(1)} ▾
        </summary>
        <div className="range-pop">
          <form onSubmit={onTyped} data-testid="range-typed">
            <div className="help">
              Type <code>now-3h</code>, <code>now-2d</code>, <code>now</code>, an ISO time (<code>2026-12-01T10:00:00Z</code>) or epoch ms.
            </div>
            <div className="range-fields">
              <label>
                From <input name="from" defaultValue={time.from} spellCheck={false} autoComplete="off" />
              </label>
              <label>
                To <input name="to" defaultValue={time.to} spellCheck={false} autoComplete="off" />
              </label>
              <button className="btn" type="submit">Apply</button>
            </div>
          </form>
          <form onSubmit={onPicked} data-testid="range-picked">
            <div className="help">Or pick a start and an end (your local time):</div>
            <div className="range-fields">
              <input type="datetime-local" name="from" defaultValue={toLocalInput(window.fromMs)} aria-label="start" />
              <input type="datetime-local" name="to" defaultValue={toLocalInput(window.toMs)} aria-label="end" />
              <button className="btn secondary" type="submit">Show</button>
            </div>
          </form>
          {error ? (
            <div className="notice-error" role="alert" data-testid="range-error">
              {error}
            </div>
          ) : null}
        </div>
      </details>
    </span>
  );
}
