// Time range as plain links (server-rendered): the range lives in the URL, other filters are kept.
import Link from 'next/link';
import { RANGES, RANGE_LABEL, hrefWith, type RangeKey, type SearchParams } from '@/lib/ui/url';

export function RangePicker({ pathname, searchParams, current }: { pathname: string; searchParams: SearchParams; current: RangeKey }) {
  return (
    <span className="toolbar" data-testid="range-picker">
      <span className="control-label">Time range</span>
      <span className="segmented" role="group" aria-label="Time range">
        {RANGES.map((r) => (
          <Link
            key={r}
            href={hrefWith(pathname, searchParams, { range: r })}
            className={r === current ? 'on' : undefined}
            title={RANGE_LABEL[r]}
            aria-pressed={r === current}
          >
            {r}
          </Link>
        ))}
      </span>
    </span>
  );
}
