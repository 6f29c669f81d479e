// The login page: the first-run setup of the admin password, or the login, depending on /api/v1/auth/status.
// Afterwards the browser goes back to the dashboard (./). Relative URLs only: it works behind a proxy's path prefix.
import { LANGUAGES, currentLanguage, setLanguage, translator } from './i18n.js';
import dictionary from './i18n/login.js';

// The server's rules (src/api/auth/auth-service.ts); the server checks them again.
const MIN_LENGTH = 10;
const MAX_LENGTH = 256;

const lang = currentLanguage();
const t = translator(dictionary, lang);
const $ = (id) => document.getElementById(id);
let mode = 'login';

async function call(path, body) {
  const response = await fetch(path, {
    method: body === undefined ? 'GET' : 'POST', credentials: 'same-origin', cache: 'no-store',
    headers: { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  let parsed;
  try {
    parsed = await response.json();
  } catch {
    parsed = undefined;
  }
  return { status: response.status, body: parsed, retryAfter: Number(response.headers.get('Retry-After')) || undefined };
}

function showFieldError(field, message) {
  const input = $(field);
  const error = $(`${field}-error`);
  error.textContent = message ?? '';
  error.hidden = !message;
  if (message) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
}

function showFormError(message) {
  $('form-error').textContent = message ?? '';
  $('form-error').hidden = !message;
}

function clearErrors() {
  showFieldError('password');
  showFieldError('confirm');
  showFormError();
}

function render(next) {
  mode = next;
  const setup = mode === 'setup';
  document.title = `${setup ? t('setupTitle') : t('title')} · Sunplug`;
  $('login-title').textContent = setup ? t('setupTitle') : t('title');
  $('login-intro').textContent = setup ? t('setupIntro') : t('loginIntro');
  $('password-label').textContent = setup ? t('newPassword') : t('password');
  $('password').autocomplete = setup ? 'new-password' : 'current-password';
  $('password').value = '';
  $('confirm').value = '';
  $('password-rules').textContent = t('rules', { n: MIN_LENGTH });
  $('password-rules').hidden = !setup;
  $('password').setAttribute('aria-describedby', setup ? 'password-rules password-error' : 'password-error');
  $('confirm').setAttribute('aria-describedby', 'confirm-error');
  $('confirm-label').textContent = t('confirm');
  $('confirm-row').hidden = !setup;
  $('confirm').required = setup;
  $('submit').textContent = setup ? t('setupButton') : t('loginButton');
  $('login-form').hidden = false;
  clearErrors();
  $('password').focus();
}

/** The same rules as the server, so that the message appears before a round trip and in the person's language. */
function passwordProblem(password) {
  const length = [...password].length;
  if (length === 0) return t('required');
  if (length < MIN_LENGTH) return t('tooShort', { n: MIN_LENGTH });
  if (length > MAX_LENGTH) return t('tooLong', { n: MAX_LENGTH });
  if (password.trim() === '') return t('onlySpaces');
  return undefined;
}

function explain(answer) {
  if (answer.status === 429) return t('tooMany', { s: answer.retryAfter ?? 60 });
  return t('failed', { message: answer.body?.error?.message ?? answer.status });
}

async function submit(event) {
  event.preventDefault();
  clearErrors();
  const password = $('password').value;
  if (mode === 'setup') {
    const problem = passwordProblem(password);
    if (problem) {
      showFieldError('password', problem);
      $('password').focus();
      return;
    }
    if ($('confirm').value !== password) {
      showFieldError('confirm', t('mismatch'));
      $('confirm').focus();
      return;
    }
  } else if (password === '') {
    showFieldError('password', t('required'));
    $('password').focus();
    return;
  }
  const button = $('submit');
  const label = button.textContent;
  button.disabled = true;
  button.textContent = t('working');
  try {
    const answer = await call(mode === 'setup' ? 'api/v1/auth/setup' : 'api/v1/auth/login', { password });
    if (answer.status === 200 || answer.status === 201) {
      location.replace('./');
      return;
    }
    const code = answer.body?.error?.code;
    if (code === 'already_set_up') {
      render('login');
      showFormError(t('alreadySetUp'));
    } else if (code === 'setup_required') {
      render('setup');
    } else if (code === 'wrong_password') {
      showFieldError('password', t('wrongPassword'));
      $('password').select();
    } else if (code === 'invalid_password') {
      showFieldError('password', passwordProblem(password) ?? answer.body.error.message);
    } else {
      showFormError(explain(answer));
    }
  } catch {
    showFormError(t('unreachable'));
  } finally {
    button.disabled = false;
    if (button.textContent === t('working')) button.textContent = label;
  }
}

function languagePicker() {
  $('language-label').textContent = t('language');
  const select = $('language');
  for (const language of LANGUAGES) select.append(new Option(language.name, language.code, false, language.code === lang));
  select.addEventListener('change', () => {
    setLanguage(select.value);
    location.reload();
  });
}

async function start() {
  document.documentElement.lang = lang;
  languagePicker();
  $('login-form').addEventListener('submit', submit);
  try {
    const status = await call('api/v1/auth/status');
    if (status.status !== 200) throw new Error(String(status.status));
    if (status.body.authenticated) {
      location.replace('./');
      return;
    }
    render(status.body.setupRequired ? 'setup' : 'login');
  } catch {
    $('login-title').textContent = t('title');
    showFormError(t('unreachable'));
  }
}

start();
