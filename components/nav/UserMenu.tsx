// Who is signed in, in the top bar: the proxy's user name, or a log-out button for a password
// session. The dashboard's server wrapper (lib/web/server.ts) says who, in request headers it sets
// itself after authenticating (a client cannot send them); nothing shows when access is open.
import { headers } from 'next/headers';

export async function UserMenu() {
  const h = await headers();
  const via = h.get('x-eventscope-auth');
  let user = '';
  try {
    user = decodeURIComponent(h.get('x-eventscope-user') ?? '');
  } catch {
    // the wrapper encodes it; anything else is not shown
  }
  if (via === 'proxy') {
    return (
      <span className="nav-user" data-testid="nav-user" title="signed in through your single sign-on proxy">
        {user}
      </span>
    );
  }
  if (via !== 'session') return null;
  return (
    <form method="post" action="/logout" className="logout-form">
      <button type="submit" className="logout" data-testid="logout">
        Log out
      </button>
    </form>
  );
}
