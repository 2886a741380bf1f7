/** A headline number with its label. */
export function Stat({ k, v, tone, title, testId }: { k: string; v: string; tone?: 'danger' | 'warn'; title?: string; testId?: string }) {
  return (
    <div className="stat" title={title} data-testid={testId} style={tone === 'danger' ? { borderColor: '#fca5a5', background: '#fff5f5' } : tone === 'warn' ? { borderColor: '#fcd34d' } : undefined}>
      <div className="v">{v}</div>
      <div className="k">{k}</div>
    </div>
  );
}
