// The chatflow widget: plain JavaScript, no build step, no dependencies.
//
// It asks the server which chatflow this page shows (/api/chat), honours
// the flow's display settings (heading, avatar, accent colour, launcher or
// welcome prompt or open chat, triggers, #hs-chat-open), and talks to the
// conversation API. Every text a bot, a visitor or an agent wrote is put in
// the page with textContent, never as HTML. The visitor cookie is HttpOnly:
// this script never sees it.
(function () {
  'use strict';

  var root = document.documentElement;
  root.dataset.chatflow = 'loading';

  var state = {
    flow: null,       // the page's chatflow (flowView)
    conv: null,       // the conversation (chatView), once there is one
    lastSeq: 0,       // the last transcript entry shown
    open: false,
    sending: false,
    queue: Promise.resolve(), // bubbles wait their typing delay in turn
    pending: 0,       // entries waiting in the queue
    poll: null,
    triggered: false,
    exitBannerShown: false
  };
  var ui = {};

  // el makes an element; text goes in as text, never as markup.
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function safeHref(url) {
    if (typeof url !== 'string') return null;
    if (/^https?:\/\//i.test(url)) return url;
    if (url.charAt(0) === '/' && url.charAt(1) !== '/') return url;
    return null;
  }

  function link(url, text) {
    var href = safeHref(url);
    if (!href) return el('span', 'cf-link', text || url);
    var a = el('a', 'cf-link', text || url);
    a.href = href;
    if (href.charAt(0) !== '/') {
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
    }
    return a;
  }

  function api(method, path, body) {
    var opts = { method: method, credentials: 'same-origin', headers: {} };
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    return fetch(path, opts).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        return { status: res.status, ok: res.ok, data: data };
      });
    });
  }

  function storageKey(name) { return 'chatflow:' + name + ':' + (state.flow ? state.flow.id : ''); }
  function remember(name, value) {
    try { if (value) sessionStorage.setItem(storageKey(name), '1'); else sessionStorage.removeItem(storageKey(name)); } catch (e) { /* storage off */ }
  }
  function remembered(name) {
    try { return sessionStorage.getItem(storageKey(name)) === '1'; } catch (e) { return false; }
  }

  function setBusy() {
    ui.root.dataset.busy = (state.sending || state.pending > 0) ? '1' : '0';
  }

  // ---- building the widget ----

  function build(flow) {
    var w = el('div', 'cf-widget');
    w.id = 'cf-widget';
    w.dataset.flow = flow.id;
    w.dataset.behavior = flow.behavior;
    w.dataset.open = 'false';
    w.dataset.busy = '0';
    if (flow.accent && /^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$/.test(flow.accent)) {
      w.style.setProperty('--cf-accent', flow.accent); // CSSOM, allowed by the CSP
    }

    var prompt = el('div', 'cf-prompt');
    prompt.hidden = true;
    var promptClose = el('button', 'cf-prompt-close', '×');
    promptClose.type = 'button';
    promptClose.setAttribute('aria-label', 'Dismiss');
    var promptText = el('button', 'cf-prompt-text', flow.welcome);
    promptText.type = 'button';
    prompt.append(promptClose, promptText);

    var win = el('section', 'cf-window');
    win.hidden = true;
    win.setAttribute('role', 'dialog');
    win.setAttribute('aria-label', 'Chat with ' + flow.heading);

    var header = el('header', 'cf-header');
    var avatar;
    if (flow.avatar && safeHref(flow.avatar) && flow.avatar.charAt(0) === '/') {
      avatar = el('img', 'cf-avatar');
      avatar.src = flow.avatar;
      avatar.alt = '';
    } else {
      avatar = el('span', 'cf-avatar cf-initials', (flow.heading || '?').charAt(0).toUpperCase());
    }
    var titles = el('div', 'cf-titles');
    titles.append(el('strong', 'cf-heading', flow.heading), el('span', 'cf-sub', flow.name));
    var close = el('button', 'cf-close', '×');
    close.type = 'button';
    close.setAttribute('aria-label', 'Close chat');
    header.append(avatar, titles, close);

    var cookie = el('div', 'cf-cookie');
    cookie.hidden = true;
    var cookieText = el('p', 'cf-cookie-text');
    var cookieYes = el('button', 'cf-cookie-accept', 'Accept');
    var cookieNo = el('button', 'cf-cookie-decline', 'Decline');
    cookieYes.type = cookieNo.type = 'button';
    var cookieButtons = el('div', 'cf-buttons');
    cookieButtons.append(cookieYes, cookieNo);
    cookie.append(cookieText, cookieButtons);

    var messages = el('ol', 'cf-messages');
    messages.setAttribute('aria-live', 'polite');
    var typing = el('div', 'cf-typing');
    typing.hidden = true;
    typing.setAttribute('aria-label', 'typing');
    typing.append(el('span'), el('span'), el('span'));
    var quick = el('div', 'cf-quick');

    var consent = el('div', 'cf-consent');
    consent.hidden = true;
    var consentText = el('p', 'cf-consent-text');
    var consentLink = el('p', 'cf-consent-link');
    var agree = el('button', 'cf-agree', 'I agree');
    var refuse = el('button', 'cf-refuse', 'No thanks');
    agree.type = refuse.type = 'button';
    var consentButtons = el('div', 'cf-buttons');
    consentButtons.append(agree, refuse);
    consent.append(consentText, consentLink, consentButtons);

    var notice = el('p', 'cf-notice');
    notice.hidden = true;
    var comm = el('label', 'cf-comm');
    comm.hidden = true;
    var commBox = el('input');
    commBox.type = 'checkbox';
    var commLabel = el('span');
    comm.append(commBox, commLabel);

    var error = el('p', 'cf-error');
    error.hidden = true;
    error.setAttribute('role', 'alert');

    var form = el('form', 'cf-composer');
    var input = el('input', 'cf-input');
    input.type = 'text';
    input.maxLength = 2000;
    input.autocomplete = 'off';
    input.setAttribute('aria-label', 'Your message');
    var send = el('button', 'cf-send', 'Send');
    send.type = 'submit';
    form.append(input, send);

    var ended = el('div', 'cf-ended');
    ended.hidden = true;
    var restart = el('button', 'cf-restart', 'Start a new chat');
    restart.type = 'button';
    ended.append(el('span', null, 'This conversation has ended.'), restart);

    win.append(header, cookie, messages, typing, quick, consent, error, notice, comm, form, ended);

    var launcher = el('button', 'cf-launcher');
    launcher.type = 'button';
    launcher.setAttribute('aria-label', 'Open chat');
    var ns = 'http://www.w3.org/2000/svg';
    var icon = document.createElementNS(ns, 'svg');
    icon.setAttribute('viewBox', '0 0 24 24');
    icon.setAttribute('aria-hidden', 'true');
    var path = document.createElementNS(ns, 'path');
    path.setAttribute('d', 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z');
    icon.append(path);
    launcher.append(icon);

    w.append(prompt, win, launcher);
    document.body.append(w);

    ui = { root: w, prompt: prompt, promptText: promptText, win: win, messages: messages, typing: typing, quick: quick,
      cookie: cookie, cookieText: cookieText, consent: consent, consentText: consentText, consentLink: consentLink,
      notice: notice, comm: comm, commBox: commBox, commLabel: commLabel, error: error, form: form, input: input,
      send: send, ended: ended, launcher: launcher };

    launcher.addEventListener('click', function () { if (state.open) closeChat(); else openChat(); });
    promptText.addEventListener('click', function () { openChat(); });
    promptClose.addEventListener('click', function () { prompt.hidden = true; remember('dismissed', true); });
    close.addEventListener('click', closeChat);
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var text = input.value.trim();
      if (text) sendMessage({ text: text }, text);
    });
    cookieYes.addEventListener('click', function () { decide('cookies', 'granted'); });
    cookieNo.addEventListener('click', function () { decide('cookies', 'refused'); });
    agree.addEventListener('click', function () { decide('data_processing', 'granted'); });
    refuse.addEventListener('click', function () { decide('data_processing', 'refused'); });
    commBox.addEventListener('change', function () { if (commBox.checked) decide('communication', 'granted'); });
    restart.addEventListener('click', function () { startConversation(true); });
  }

  // ---- opening, closing, triggers ----

  function openChat() {
    if (!state.flow) return;
    state.open = true;
    ui.root.dataset.open = 'true';
    ui.prompt.hidden = true;
    ui.win.hidden = false;
    ui.launcher.setAttribute('aria-label', 'Close chat');
    remember('open', true);
    if (!state.conv) {
      startConversation(false);
    } else {
      renderPrompt();
    }
  }

  function closeChat() {
    state.open = false;
    ui.root.dataset.open = 'false';
    ui.win.hidden = true;
    ui.launcher.setAttribute('aria-label', 'Open chat');
    remember('open', false);
  }

  // fire runs the flow's behaviour once a trigger fires (or at once
  // without triggers): pop the welcome message up, or open the chat.
  function fire() {
    if (state.triggered || state.open) return;
    state.triggered = true;
    if (state.flow.behavior === 'open_chat') {
      openChat();
    } else if (state.flow.behavior === 'pop_message' && !remembered('dismissed')) {
      ui.prompt.hidden = false;
    }
  }

  function armTriggers() {
    var t = state.flow.triggers || {};
    document.addEventListener('mouseout', function (ev) {
      if (ev.relatedTarget || ev.clientY > 0) return;
      onExitIntent();
      if (t.exitIntent) fire();
    });
    if (state.flow.behavior === 'launcher_only') return;
    if (!t.seconds && !t.scroll && !t.exitIntent) {
      fire();
      return;
    }
    if (t.seconds) setTimeout(fire, t.seconds * 1000);
    if (t.scroll) {
      var onScroll = function () {
        var doc = document.documentElement;
        var scrollable = doc.scrollHeight - window.innerHeight;
        var pct = scrollable <= 0 ? 100 : (window.scrollY / scrollable) * 100;
        if (pct >= t.scroll) {
          window.removeEventListener('scroll', onScroll);
          fire();
        }
      };
      window.addEventListener('scroll', onScroll, { passive: true });
    }
  }

  // onExitIntent shows a cookie banner that waits for the visitor to
  // leave the page.
  function onExitIntent() {
    var c = state.conv && state.conv.consent;
    if (c && c.cookies && c.cookies.banner === 'exit_intent' && !state.exitBannerShown) {
      state.exitBannerShown = true;
      if (!state.open) openChat();
      renderPrompt();
    }
  }

  // ---- conversation ----

  function startConversation(fresh) {
    if (state.sending) return;
    state.sending = true;
    setBusy();
    showError('');
    api('POST', '/api/conversations', { flowId: state.flow.id, url: location.href }).then(function (res) {
      state.sending = false;
      if (!res.ok) {
        showError((res.data && res.data.error) || 'The chat is unavailable right now.');
        setBusy();
        return;
      }
      if (fresh) {
        ui.messages.textContent = '';
        state.lastSeq = 0;
        state.exitBannerShown = false;
      }
      apply(res.data, true);
    }, function () {
      state.sending = false;
      setBusy();
      showError('The chat is unavailable right now.');
    });
  }

  function messageID() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function sendMessage(body, shown) {
    if (!state.conv || state.sending) return;
    state.sending = true;
    setBusy();
    showError('');
    var pending = el('li', 'cf-msg cf-visitor cf-pending', shown);
    pending.dataset.from = 'visitor';
    ui.messages.append(pending);
    ui.quick.textContent = '';
    scrollDown();
    body.messageId = messageID();
    body.after = state.lastSeq;
    var typed = body.text !== undefined;
    if (typed) ui.input.value = '';
    api('POST', '/api/conversations/' + encodeURIComponent(state.conv.id) + '/messages', body).then(function (res) {
      state.sending = false;
      pending.remove();
      if (res.status === 409 && res.data && res.data.outcome === 'consent_required') {
        if (typed) ui.input.value = shown;
        apply(res.data, false);
        showError('Please answer the consent question first.');
        return;
      }
      if (!res.ok) {
        if (typed) ui.input.value = shown;
        showError(res.status === 429 ? 'You are sending messages too fast; wait a moment.'
          : (res.data && res.data.error) || 'Your message was not sent.');
        renderPrompt();
        setBusy();
        return;
      }
      apply(res.data, true);
    }, function () {
      state.sending = false;
      pending.remove();
      if (typed) ui.input.value = shown;
      showError('Your message was not sent: check your connection.');
      renderPrompt();
      setBusy();
    });
  }

  function decide(kind, choice) {
    if (!state.conv || state.sending) return;
    state.sending = true;
    setBusy();
    api('POST', '/api/conversations/' + encodeURIComponent(state.conv.id) + '/consent',
      { kind: kind, choice: choice, after: state.lastSeq }).then(function (res) {
      state.sending = false;
      if (!res.ok) {
        showError((res.data && res.data.error) || 'That did not work; please try again.');
        setBusy();
        return;
      }
      showError('');
      apply(res.data, true);
    }, function () {
      state.sending = false;
      setBusy();
      showError('That did not work; please try again.');
    });
  }

  // apply takes a conversation view from the server: new transcript
  // entries (with their typing delays when animate), then the prompt.
  function apply(view, animate) {
    state.conv = view;
    ui.root.dataset.conversation = view.id;
    var fresh = (view.entries || []).filter(function (e) { return e.seq > state.lastSeq; });
    fresh.forEach(function (e) {
      state.lastSeq = Math.max(state.lastSeq, e.seq);
      state.pending++;
      state.queue = state.queue.then(function () {
        return show(e, animate).then(function () { state.pending--; });
      });
    });
    setBusy();
    state.queue = state.queue.then(function () {
      renderPrompt();
      setBusy();
      schedulePoll();
    });
  }

  function show(e, animate) {
    var delay = animate && e.from === 'bot' ? Math.min(e.delayMs || 0, 2000) : 0;
    if (delay <= 0) {
      append(e);
      return Promise.resolve();
    }
    ui.typing.hidden = false;
    scrollDown();
    return new Promise(function (resolve) {
      setTimeout(function () {
        ui.typing.hidden = true;
        append(e);
        resolve();
      }, delay);
    });
  }

  function append(e) {
    var li = el('li', 'cf-msg cf-' + e.from);
    li.dataset.from = e.from;
    li.dataset.seq = String(e.seq);
    if (e.from === 'agent') li.append(el('span', 'cf-who', 'Team'));
    if (e.error) {
      li.classList.add('cf-invalid');
      var visitors = ui.messages.querySelectorAll('li.cf-visitor');
      var last = visitors.length ? visitors[visitors.length - 1] : null;
      if (last) last.classList.add('cf-rejected');
    }
    var type = e.type || 'text';
    if (type === 'text') {
      li.append(el('span', 'cf-text', e.text || ''));
      if (e.url) { li.append(document.createTextNode(' ')); li.append(link(e.url, e.url)); }
    } else if (type === 'meeting') {
      if (e.text) li.append(el('span', 'cf-text', e.text));
      li.append(link(e.url, 'Book a meeting'));
    } else {
      // Images, files and videos are offered as links: the page loads
      // nothing from other sites.
      li.append(link(e.url, e.name || e.text || type));
    }
    ui.messages.append(li);
    scrollDown();
  }

  function scrollDown() { ui.messages.scrollTop = ui.messages.scrollHeight; }

  function showError(msg) {
    ui.error.textContent = msg;
    ui.error.hidden = !msg;
  }

  // renderPrompt shows what the visitor may do now: consent questions,
  // quick replies, the composer.
  function renderPrompt() {
    var v = state.conv;
    if (!v) return;
    ui.root.dataset.status = v.status;
    var c = v.consent || {};

    var banner = c.cookies && (c.cookies.banner !== 'exit_intent' || state.exitBannerShown);
    ui.cookie.hidden = !banner;
    if (banner) ui.cookieText.textContent = c.cookies.text;

    var blocking = !!(c.processing && c.processing.required && !c.processing.granted && !v.over);
    ui.consent.hidden = !blocking;
    ui.root.dataset.consent = blocking ? 'required' : 'ok';
    if (blocking) {
      ui.consentText.textContent = c.processing.text;
      ui.consentLink.textContent = '';
      if (c.processing.policyUrl) ui.consentLink.append(link(c.processing.policyUrl, 'Privacy policy'));
    }
    var noticeShown = !!(c.processing && !c.processing.required && !v.over);
    ui.notice.hidden = !noticeShown;
    if (noticeShown) {
      ui.notice.textContent = c.processing.text + ' ';
      if (c.processing.policyUrl) ui.notice.append(link(c.processing.policyUrl, 'Privacy policy'));
    }
    ui.comm.hidden = !c.communication;
    if (c.communication) ui.commLabel.textContent = c.communication.label;

    ui.quick.textContent = '';
    if (!blocking && !(v.over && !v.handedOff)) {
      (v.quickReplies || []).forEach(function (q) {
        var b = el('button', 'cf-qr', q.label || q.value);
        b.type = 'button';
        b.dataset.value = q.value;
        b.addEventListener('click', function () { sendMessage({ quickReply: q.value }, q.label || q.value); });
        ui.quick.append(b);
      });
    }

    var ended = v.over && !v.handedOff;
    ui.ended.hidden = !ended;
    ui.form.hidden = ended;
    var canType = v.freeText && !blocking && !ended;
    ui.input.disabled = !canType;
    ui.send.disabled = !canType;
    ui.input.placeholder = blocking ? 'Answer the question above to chat'
      : canType ? (v.handedOff ? 'Write to the team' : 'Write a message') : 'Choose an option above';
    if (state.open && canType && document.activeElement !== ui.input) ui.input.focus({ preventScroll: true });
    scrollDown(); // the prompt took room from the transcript
  }

  // schedulePoll keeps asking for the team's replies while a person has
  // the conversation.
  function schedulePoll() {
    if (state.poll || !state.conv || !state.conv.handedOff) return;
    state.poll = setTimeout(function () {
      state.poll = null;
      if (!state.conv || state.sending || state.pending > 0) { schedulePoll(); return; }
      api('GET', '/api/conversations/' + encodeURIComponent(state.conv.id) + '/messages?after=' + state.lastSeq)
        .then(function (res) {
          if (res.ok) apply(res.data, false); else schedulePoll();
        }, function () { schedulePoll(); });
    }, 1500);
  }

  // ---- start ----

  function init() {
    api('GET', '/api/chat?url=' + encodeURIComponent(location.href)).then(function (res) {
      if (!res.ok || !res.data || !res.data.flow) {
        root.dataset.chatflow = 'none';
        return;
      }
      state.flow = res.data.flow;
      build(state.flow);
      root.dataset.chatflow = state.flow.id;
      if (res.data.conversation) {
        apply(res.data.conversation, false);
      }
      var fragment = '#' + state.flow.fragment;
      window.addEventListener('hashchange', function () { if (location.hash === fragment) openChat(); });
      if (state.flow.openNow || location.hash === fragment || (state.conv && remembered('open'))) {
        openChat();
      }
      armTriggers();
    }, function () { root.dataset.chatflow = 'none'; });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init); else init();
})();
