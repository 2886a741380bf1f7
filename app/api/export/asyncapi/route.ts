import { routeHandler } from '@/lib/api/http';
import { asyncApiHandler } from '@/lib/api/export';

export const dynamic = 'force-dynamic';
export const GET = routeHandler(asyncApiHandler);
