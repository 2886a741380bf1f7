import { routeHandler } from '@/lib/api/http';
import { deleteHandler, ruleHandler, updateHandler } from '@/lib/api/alerts';

export const dynamic = 'force-dynamic';
export const GET = routeHandler(ruleHandler);
export const PUT = routeHandler(updateHandler);
export const DELETE = routeHandler(deleteHandler);
