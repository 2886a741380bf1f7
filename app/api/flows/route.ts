import { routeHandler } from '@/lib/api/http';
import { handler } from '@/lib/api/flows';

export const dynamic = 'force-dynamic';
export const GET = routeHandler(handler);
