// Shared empty, error and loading states.
import Link from 'next/link';
import type { ReactNode } from 'react';

export function ErrorNotice({ title = 'Could not load this view', error }: { title?: string; error: string }) {
  return (
    <div className="notice-error" role="alert">
      <strong>{title}.</strong> {error}
    </div>
  );
}

export function Skeleton({ height = 200 }: { height?: number }) {
  return <div className="skeleton" style={{ height }} aria-busy="true" aria-label="loading" />;
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty" data-testid="empty-state">
      <h2>{title}</h2>
      {children}
    </div>
  );
}

/** How to get spans in: the exporter endpoint line and the demo shop. */
export function SendDataHelp({ endpoint }: { endpoint: string }) {
  return (
    <>
      <p>
        Eventscope draws this from OpenTelemetry traces. Point your services&apos; OTLP exporter at its collector
        (OTLP/HTTP; gRPC listens on 4317 by default):
      </p>
      <pre>OTEL_EXPORTER_OTLP_ENDPOINT={endpoint}</pre>
      <p>Or start the instrumented demo shop, which sends orders, payments and shipments through a Kafka-like broker:</p>
      <pre>npm run demo{endpoint.endsWith(':4318') ? '' : ` -- --endpoint ${endpoint}`}</pre>
      <p>
        (<code>npm start -- --demo</code> starts Eventscope and the demo together.) Data shows up here within a few
        seconds; widen the time range if you sent it earlier. See the <Link href="/requests">request list</Link> for
        individual requests.
      </p>
    </>
  );
}
