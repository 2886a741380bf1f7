// A sortable table header: a link that puts the sort into the URL (sort=col, sort=-col descending).
import Link from 'next/link';
import { hrefWith, sortParam, type SearchParams, type Sort } from '@/lib/ui/url';

export function SortTh<C extends string>({
  label,
  column,
  sort,
  pathname,
  searchParams,
  firstDesc = false,
  num,
  title,
}: {
  label: string;
  column: C;
  sort: Sort<C>;
  pathname: string;
  searchParams: SearchParams;
  /** the first click sorts descending (numbers, times: the biggest / newest first) */
  firstDesc?: boolean;
  num?: boolean;
  title?: string;
}) {
  const on = sort.column === column;
  const next: Sort<C> = { column, desc: on ? !sort.desc : firstDesc };
  return (
    <th className={num ? 'num' : undefined} title={title} aria-sort={on ? (sort.desc ? 'descending' : 'ascending') : undefined}>
      <Link href={hrefWith(pathname, searchParams, { sort: sortParam(next) })} scroll={false} className="sort-link" data-testid={`sort-${column}`}>
        {label}
        {on ? (sort.desc ? ' ▼' : ' ▲') : ''}
      </Link>
    </th>
  );
}
