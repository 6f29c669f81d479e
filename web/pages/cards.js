// RFID cards: the household's card list (which cards may charge), the cards a wallbox saw recently but does not know
// (added with one click), and per card: rename, owner, block or unblock, delete. Every change is sent to the wallboxes'
// local lists by Sunplug, so the cards also work while the network is down.
import { translator } from '../i18n.js';
import dictionary from '../i18n/cards.js';

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'class') node.className = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

function ensureStyle() {
  if (document.querySelector('link[data-page-style="cards"]')) return;
  document.head.append(element('link', { rel: 'stylesheet', href: 'pages/cards.css', 'data-page-style': 'cards' }));
}

const ID_TAG = /^[\x21-\x7e]{1,36}$/;

export default {
  id: 'cards',
  mount(root, ctx) {
    ensureStyle();
    const t = translator(dictionary, ctx.lang);
    let alive = true;
    let editing;

    const mode = element('p', { class: 'hint', 'data-testid': 'cards-mode' });
    const message = element('p', { role: 'status', class: 'hint', 'data-testid': 'cards-message' });
    const listError = element('p', { class: 'field-error', role: 'alert' });
    listError.hidden = true;

    // The add form: id, name, owner, blocked or not.
    const field = (id, labelKey, input, hintKey) => {
      const row = element('div', { class: 'form-row' }, element('label', { for: id }, t(labelKey)), input);
      if (hintKey) {
        const hint = element('span', { class: 'hint', id: `${id}-hint` }, t(hintKey));
        input.setAttribute('aria-describedby', `${id}-hint`);
        row.append(hint);
      }
      return row;
    };
    const idTag = element('input', { id: 'card-id', name: 'idTag', required: '', maxlength: '36', autocomplete: 'off', spellcheck: 'false' });
    const name = element('input', { id: 'card-name', name: 'name', maxlength: '64' });
    const owner = element('input', { id: 'card-owner', name: 'owner', maxlength: '64' });
    const status = element('select', { id: 'card-status', name: 'status' },
      new Option(t('statusAccepted'), 'accepted'), new Option(t('statusBlocked'), 'blocked'));
    const addError = element('p', { class: 'field-error', id: 'card-add-error', role: 'alert' });
    addError.hidden = true;
    const addForm = element('form', { class: 'card add-card', 'aria-labelledby': 'cards-add-title', novalidate: '' },
      element('h3', { id: 'cards-add-title' }, t('addTitle')),
      element('div', { class: 'toolbar' },
        field('card-id', 'idTag', idTag, 'idTagHint'), field('card-name', 'name', name), field('card-owner', 'owner', owner),
        field('card-status', 'status', status),
        element('div', { class: 'form-row actions' }, element('button', { type: 'submit', class: 'button primary' }, t('add')))),
      addError);

    const table = element('div', { class: 'table-wrap', 'data-testid': 'cards-table' });
    const unknownList = element('div', { class: 'table-wrap', 'data-testid': 'cards-unknown' });
    root.append(
      element('h2', {}, t('title')), mode, message, listError, table, addForm,
      element('h2', {}, t('unknownTitle')), element('p', { class: 'hint' }, t('unknownHint')), unknownList,
    );

    const say = (key, params) => { message.textContent = t(key, params); };
    const fail = (failure) => {
      listError.textContent = t('failed', { message: failure.message });
      listError.hidden = false;
    };
    const call = async (path, init) => {
      listError.hidden = true;
      try {
        return await ctx.api(path, init);
      } catch (failure) {
        fail(failure);
        throw failure;
      }
    };
    const cardPath = (tag) => `api/v1/cards/${encodeURIComponent(tag)}`;

    const showAddError = (text, input) => {
      addError.textContent = text;
      addError.hidden = false;
      for (const i of [idTag, name, owner]) i.removeAttribute('aria-invalid');
      if (input) {
        input.setAttribute('aria-invalid', 'true');
        input.setAttribute('aria-describedby', `card-add-error ${input.id}-hint`.trim());
        input.focus();
      }
    };

    const add = async (body) => {
      try {
        await ctx.api('api/v1/cards', { method: 'POST', body });
        say('added', { idTag: body.idTag });
        return true;
      } catch (failure) {
        if (failure.status === 409) showAddError(t('duplicate', { idTag: body.idTag }), idTag);
        else showAddError(t('failed', { message: failure.message }));
        return false;
      }
    };

    addForm.addEventListener('submit', async (event) => {
      event.preventDefault();
      addError.hidden = true;
      const tag = idTag.value.trim();
      if (!ID_TAG.test(tag)) {
        showAddError(t('badIdTag'), idTag);
        return;
      }
      idTag.removeAttribute('aria-invalid');
      if (await add({ idTag: tag, name: name.value.trim(), owner: owner.value.trim(), status: status.value })) {
        addForm.reset();
        await load();
      }
    });

    const statusLabel = (card) => (card.status === 'blocked' ? t('statusBlocked') : card.expired ? t('statusExpired') : t('statusAccepted'));

    const renderCards = (cards) => {
      if (cards.length === 0) {
        table.replaceChildren(element('p', { class: 'hint' }, t('none')));
        return;
      }
      const head = ['idTag', 'name', 'owner', 'status', 'expires', 'actions'];
      table.replaceChildren(element('table', { class: 'table cards' },
        element('caption', { class: 'visually-hidden' }, t('title')),
        element('thead', {}, element('tr', {}, ...head.map((key) => element('th', { scope: 'col' }, t(key))))),
        element('tbody', {}, ...cards.map((card) => row(card)))));
    };

    const row = (card) => {
      const tr = element('tr', { 'data-id-tag': card.idTag, 'data-status': card.status });
      const idCell = element('td', { class: 'id-tag' }, element('code', {}, card.idTag));
      if (editing === card.idTag) {
        const nameInput = element('input', { id: `edit-name-${card.idTag}`, value: card.name, maxlength: '64' });
        const ownerInput = element('input', { id: `edit-owner-${card.idTag}`, value: card.owner, maxlength: '64' });
        const save = element('button', { type: 'button', class: 'button primary' }, t('save'));
        const cancel = element('button', { type: 'button', class: 'button' }, t('cancel'));
        save.addEventListener('click', async () => {
          await call(cardPath(card.idTag), { method: 'PUT', body: { name: nameInput.value.trim(), owner: ownerInput.value.trim() } })
            .then(() => { editing = undefined; say('saved', { idTag: card.idTag }); return load(); }, () => undefined);
        });
        cancel.addEventListener('click', () => { editing = undefined; void load(); });
        tr.append(idCell,
          element('td', {}, element('label', { class: 'visually-hidden', for: nameInput.id }, t('name')), nameInput),
          element('td', {}, element('label', { class: 'visually-hidden', for: ownerInput.id }, t('owner')), ownerInput),
          element('td', {}, statusLabel(card)), element('td', {}, card.expiresAtMs ? ctx.format.date(card.expiresAtMs) : '–'),
          element('td', { class: 'actions' }, save, cancel));
        queueMicrotask(() => nameInput.focus());
        return tr;
      }
      const edit = element('button', { type: 'button', class: 'button', 'aria-label': t('editLabel', { idTag: card.idTag }) }, t('edit'));
      const block = element('button', { type: 'button', class: 'button', 'aria-label': t(card.status === 'blocked' ? 'unblockLabel' : 'blockLabel', { idTag: card.idTag }) },
        t(card.status === 'blocked' ? 'unblock' : 'block'));
      const remove = element('button', { type: 'button', class: 'button danger', 'aria-label': t('deleteLabel', { idTag: card.idTag }) }, t('delete'));
      edit.addEventListener('click', () => { editing = card.idTag; void load(); });
      block.addEventListener('click', async () => {
        const next = card.status === 'blocked' ? 'accepted' : 'blocked';
        await call(cardPath(card.idTag), { method: 'PUT', body: { status: next } })
          .then(() => { say(next === 'blocked' ? 'blocked' : 'unblocked', { idTag: card.idTag }); return load(); }, () => undefined);
      });
      remove.addEventListener('click', async () => {
        if (!window.confirm(t('confirmDelete', { idTag: card.idTag }))) return;
        await call(cardPath(card.idTag), { method: 'DELETE' }).then(() => { say('deleted', { idTag: card.idTag }); return load(); }, () => undefined);
      });
      tr.append(idCell, element('td', {}, card.name || '–'), element('td', {}, card.owner || '–'),
        element('td', { class: 'status', 'data-status': card.status }, statusLabel(card)),
        element('td', {}, card.expiresAtMs ? ctx.format.date(card.expiresAtMs) : '–'),
        element('td', { class: 'actions' }, edit, block, remove));
      return tr;
    };

    const chargerName = (id) => ctx.state()?.chargers?.find((c) => c.id === id)?.name ?? id;

    const renderUnknown = (unknown) => {
      if (unknown.length === 0) {
        unknownList.replaceChildren(element('p', { class: 'hint' }, t('noUnknown')));
        return;
      }
      unknownList.replaceChildren(element('table', { class: 'table unknown-cards' },
        element('caption', { class: 'visually-hidden' }, t('unknownTitle')),
        element('thead', {}, element('tr', {}, ...['idTag', 'charger', 'lastSeen', 'actions'].map((key) => element('th', { scope: 'col' }, t(key))))),
        element('tbody', {}, ...unknown.map((seen) => {
          const addButton = element('button', { type: 'button', class: 'button primary', 'aria-label': t('addUnknownLabel', { idTag: seen.idTag }) }, t('add'));
          addButton.addEventListener('click', async () => {
            if (await add({ idTag: seen.idTag })) {
              editing = seen.idTag; // straight to naming the new card
              await load();
            }
          });
          return element('tr', { 'data-id-tag': seen.idTag },
            element('td', {}, element('code', {}, seen.idTag)), element('td', {}, chargerName(seen.chargerId)),
            element('td', {}, ctx.format.dateTime(seen.lastSeenMs)), element('td', { class: 'actions' }, addButton));
        }))));
    };

    const load = async () => {
      let listing;
      try {
        listing = await call('api/v1/cards');
      } catch {
        return;
      }
      if (!alive) return;
      mode.textContent = t(listing.mode === 'any' ? 'modeAny' : listing.onlyKnownCards ? 'modeKnown' : 'modeOpen');
      renderCards(listing.cards);
      renderUnknown(listing.unknown);
    };
    void load();
    return () => { alive = false; };
  },
};
