import { routeHandler } from '@/lib/api/http';
import { createHandler, listHandler } from '@/lib/api/alerts';

export const dynamic = 'force-dynamic';
export const GET = routeHandler(listHandler);
export const POST = routeHandler(createHandler);
