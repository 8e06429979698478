/**
 * The popup: sign in (server URL + email and password, an API token, or single sign-on), then the signed-in account's
 * access per workspace. Host permission for the server is asked for inside the click that signs in.
 */
import { ERROR_TEXT, type ExtError, type ExtErrorCode } from '../errors.ts';
import { type PopupState, type SignIn, sendPopupRequest } from '../messages.ts';
import { normalizeServerUrl, serverPermission } from '../server-url.ts';
import { h } from './dom.ts';
import { workspaceView } from './workspace-view.ts';

const app = document.getElementById('app')!;

function header(): HTMLElement {
  return h('h1', {}, h('img', { src: 'icons/icon-32.png', alt: '' }), 'Gatehouse');
}

function errorBox(error: ExtError | null): HTMLElement {
  const box = h('p', { class: 'error', role: 'alert', 'data-gh': 'error' });
  box.hidden = !error;
  box.textContent = error?.message ?? '';
  return box;
}

const fail = (code: ExtErrorCode): ExtError => ({ code, message: ERROR_TEXT[code] });

function input(
  id: string,
  label: string,
  type: string,
  attrs: Record<string, string> = {},
): [HTMLElement, HTMLInputElement] {
  const el = h('input', { id, name: id, type, ...attrs }) as HTMLInputElement;
  return [h('label', { for: id }, label), el];
}

function signInView(state: Extract<PopupState, { signedIn: false }>, error: ExtError | null): HTMLElement {
  const [serverLabel, server] = input('server', 'Server URL', 'url', {
    placeholder: 'https://gatehouse.example.com',
    autocomplete: 'url',
    required: '',
  });
  server.value = state.serverUrl ?? '';
  const [emailLabel, email] = input('email', 'Email', 'email', { autocomplete: 'username' });
  const [passwordLabel, password] = input('password', 'Password', 'password', {
    autocomplete: 'current-password',
  });
  const [tokenLabel, token] = input('token', 'API token', 'password', { autocomplete: 'off' });
  const [workspaceLabel, workspace] = input(
    'workspace',
    'Workspace (as in its address, e.g. nexus)',
    'text',
    {
      autocomplete: 'off',
    },
  );
  const withPassword = h('div', {}, emailLabel, email, passwordLabel, password);
  const withToken = h('div', {}, tokenLabel, token);
  const withSso = h('div', {}, workspaceLabel, workspace);
  withToken.hidden = true;
  withSso.hidden = true;
  const mode = (value: string, text: string, checked: boolean) => {
    const radio = h('input', { type: 'radio', name: 'mode', value, id: `mode-${value}` }) as HTMLInputElement;
    radio.checked = checked;
    radio.addEventListener('change', () => {
      withPassword.hidden = value !== 'password';
      withToken.hidden = value !== 'token';
      withSso.hidden = value !== 'sso';
    });
    return h('label', { for: `mode-${value}` }, radio, ` ${text}`);
  };
  const box = errorBox(error);
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in') as HTMLButtonElement;
  const form = h(
    'form',
    { 'aria-label': 'Sign in to Gatehouse' },
    serverLabel,
    server,
    h(
      'fieldset',
      {},
      h('legend', { class: 'muted' }, 'Sign in with'),
      mode('password', 'Password', true),
      mode('token', 'API token', false),
      mode('sso', 'Single sign-on', false),
    ),
    withPassword,
    withToken,
    withSso,
    h('div', { class: 'actions' }, submit),
    box,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const serverUrl = normalizeServerUrl(server.value);
    if (!serverUrl) return void render(state, fail('invalid-server-url'));
    const signIn: SignIn = !withSso.hidden
      ? { serverUrl, workspace: workspace.value }
      : withToken.hidden
        ? { serverUrl, email: email.value, password: password.value }
        : { serverUrl, token: token.value };
    submit.disabled = true;
    submit.textContent = 'Signing in…';
    // Both calls happen inside the click: Chrome asks for host permission only during a user gesture.
    // The worker waits for the permission and finishes the sign-in even if the prompt closes this popup.
    const permission = chrome.permissions
      .request({ origins: [serverPermission(serverUrl)] })
      .catch(() => false);
    const signedIn = sendPopupRequest({ type: 'session.signIn', signIn });
    void permission.then(async (granted) => {
      if (!granted) return render(state, fail('permission-denied'), signIn);
      const reply = await signedIn;
      if (reply.ok) render(reply.value, null);
      else render({ signedIn: false, serverUrl }, reply.error, signIn);
    });
  });
  return h('div', {}, header(), form);
}

function signedInView(state: Extract<PopupState, { signedIn: true }>, error: ExtError | null): HTMLElement {
  const signOut = h('button', { type: 'button', 'data-gh': 'sign-out' }, 'Sign out');
  signOut.addEventListener('click', async () => {
    const reply = await sendPopupRequest({ type: 'session.signOut' });
    if (reply.ok) render(reply.value, null);
  });
  const refresh = h('button', { type: 'button' }, 'Refresh');
  refresh.addEventListener('click', () => void load('state.refresh'));
  const view = h(
    'div',
    { 'data-gh': 'signed-in' },
    header(),
    h(
      'div',
      { class: 'account' },
      h(
        'p',
        {},
        'Signed in as ',
        h('strong', { 'data-gh': 'account' }, state.account.email),
        h('br'),
        h('span', { class: 'muted' }, state.serverUrl),
      ),
      h('div', { class: 'actions' }, refresh, signOut),
    ),
    errorBox(error),
  );
  if (state.missingOrigins.length) {
    const allow = h('button', { type: 'button', class: 'primary' }, 'Allow');
    allow.addEventListener('click', () => {
      void chrome.permissions
        .request({ origins: [...state.missingOrigins] })
        .catch(() => false)
        .then(() => load('state.get'));
    });
    view.append(
      h(
        'div',
        { class: 'note', 'data-gh': 'missing-origins' },
        h(
          'p',
          {},
          `To show the access panel inside your apps, allow the extension on ${state.missingOrigins.join(', ')}.`,
        ),
        allow,
      ),
    );
  }
  if (!state.workspaces.length)
    view.append(h('p', { class: 'note', 'data-gh': 'no-workspace' }, ERROR_TEXT['no-workspace']));
  for (const w of state.workspaces) view.append(workspaceView(w));
  return view;
}

function render(state: PopupState, error: ExtError | null, keep?: SignIn): void {
  const view = state.signedIn ? signedInView(state, error) : signInView(state, error);
  app.replaceChildren(view);
  if (!state.signedIn && keep) {
    const set = (id: string, v: string) => {
      const el = document.getElementById(id) as HTMLInputElement | null;
      if (el) el.value = v;
    };
    set('server', keep.serverUrl);
    if ('email' in keep) set('email', keep.email);
  }
  if (!state.signedIn)
    view.querySelector<HTMLInputElement>(keep && 'email' in keep ? '#password' : '#server')?.focus();
}

async function load(type: 'state.get' | 'state.refresh'): Promise<PopupState | null> {
  const reply = await sendPopupRequest({ type });
  if (reply.ok) render(reply.value, null);
  else render({ signedIn: false, serverUrl: null }, reply.error);
  return reply.ok ? reply.value : null;
}

// Show the cached state at once, then what the server says now.
void load('state.get').then((state) => {
  if (state?.signedIn) void load('state.refresh');
});
