import { routeHandler } from '@/lib/api/http';
import { mermaidHandler } from '@/lib/api/export';

export const dynamic = 'force-dynamic';
export const GET = routeHandler(mermaidHandler);
