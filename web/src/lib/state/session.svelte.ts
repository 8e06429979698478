/**
 * Who is signed in (GET /api/session, which answers 200 signed out too: no 401 logged before sign-in),
 * cached locally so the app starts offline. `me === null` means signed out; `expired` means a sync socket
 * was refused for the session: local edits stay, the user signs in again.
 */
import { isActiveAdminUser } from '../../../../core/index.ts';
import { clearAll, database, getPref, setPref } from '../db/index.ts';
import { api, type Me, type Membership } from '../services/api.ts';

const ME_KEY = 'me';

class Session {
  me = $state.raw<Me | null>(null);
  loaded = $state(false);
  /** The server could not be reached; `me` is the cached copy. */
  offline = $state(false);
  expired = $state(false);

  async load(): Promise<void> {
    const res = await api.session();
    if (res.ok) {
      this.me = res.value?.me ?? null;
      this.offline = false;
      if (this.me) await setPref(database(), ME_KEY, this.me).catch(() => {});
    } else if (res.error.status === 0 || res.error.status >= 500) {
      this.offline = true;
      this.me = (await getPref<Me>(database(), ME_KEY).catch(() => undefined)) ?? null;
    } else {
      this.me = null;
    }
    this.loaded = true;
    performance.mark('gh:session');
  }

  membership(slug: string): Membership | undefined {
    return this.me?.workspaces.find((w) => w.slug === slug);
  }

  isAdmin(slug: string): boolean {
    const m = this.membership(slug);
    return m !== undefined && isActiveAdminUser(m);
  }

  async signIn(email: string, password: string) {
    const res = await api.login(email, password);
    if (res.ok) {
      this.expired = false;
      await this.load();
    }
    return res;
  }

  async signOut(): Promise<void> {
    await api.logout();
    await clearAll(database()).catch(() => {});
    this.me = null;
  }
}

export const session = new Session();
