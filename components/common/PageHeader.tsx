import Link from 'next/link';
import type { ReactNode } from 'react';

/**
 * Title, one or two sentences that explain the page to a new user, and the page's controls; a page
 * under a list (one request, one transaction) names the list it came from in `back`.
 */
export function PageHeader({
  title,
  help,
  back,
  children,
}: {
  title: ReactNode;
  help: ReactNode;
  back?: { href: string; label: string };
  children?: ReactNode;
}) {
  return (
    <div className="page-header">
      <div>
        {back ? (
          <div className="help">
            <Link href={back.href}>← {back.label}</Link>
          </div>
        ) : null}
        <h1>{title}</h1>
        <p className="page-help">{help}</p>
      </div>
      {children ? <div className="toolbar">{children}</div> : null}
    </div>
  );
}
