import { routeHandler } from '@/lib/api/http';
import { stuckHandler } from '@/lib/api/flows';

export const dynamic = 'force-dynamic';
export const GET = routeHandler(stuckHandler);
