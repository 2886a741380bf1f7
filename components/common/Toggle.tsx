// A segmented choice rendered as links, so the choice lives in the URL.
import Link from 'next/link';
import { hrefWith, type SearchParams } from '@/lib/ui/url';

export function LinkToggle({
  label,
  param,
  options,
  current,
  pathname,
  searchParams,
  testId,
}: {
  label: string;
  param: string;
  options: { value: string | undefined; label: string; title?: string }[];
  current: string | undefined;
  pathname: string;
  searchParams: SearchParams;
  testId?: string;
}) {
  return (
    <span className="toolbar" data-testid={testId}>
      <span className="control-label">{label}</span>
      <span className="segmented" role="group" aria-label={label}>
        {options.map((o) => (
          <Link
            key={o.label}
            href={hrefWith(pathname, searchParams, { [param]: o.value })}
            className={o.value === current ? 'on' : undefined}
            title={o.title}
            aria-pressed={o.value === current}
          >
            {o.label}
          </Link>
        ))}
      </span>
    </span>
  );
}
