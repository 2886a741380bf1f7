import { routeHandler } from '@/lib/api/http';
import { handler } from '@/lib/api/patterns';

export const dynamic = 'force-dynamic';
export const GET = routeHandler(handler);
