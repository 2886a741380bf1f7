import type { ReactNode } from 'react';

/** Title, one or two sentences that explain the page to a new user, and the page's controls. */
export function PageHeader({ title, help, children }: { title: string; help: ReactNode; children?: ReactNode }) {
  return (
    <div className="page-header">
      <div>
        <h1>{title}</h1>
        <p className="page-help">{help}</p>
      </div>
      {children ? <div className="toolbar">{children}</div> : null}
    </div>
  );
}
