import { serviceColor } from '@/lib/ui/colors';

/** A service name with its stable colour, as used on every page. */
export function ServiceChip({ service }: { service: string }) {
  const c = serviceColor(service);
  return (
    <span
      className="badge"
      style={{ background: `${c}1a`, color: c, borderColor: `${c}55`, marginRight: 4 }}
    >
      {service}
    </span>
  );
}
