// The agent console: lists the conversations the bots handed to the team,
// shows one, and sends the agent's replies. Texts go in with textContent.
(function () {
  'use strict';

  var list = document.getElementById('agent-list');
  var thread = document.getElementById('agent-thread');
  var title = document.getElementById('agent-title');
  var messages = document.getElementById('agent-messages');
  var form = document.getElementById('agent-form');
  var text = document.getElementById('agent-text');
  var empty = document.getElementById('agent-empty');
  var current = null;
  var lastSeq = 0;
  var sending = false;

  function el(tag, cls, txt) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (txt !== undefined && txt !== null) e.textContent = txt;
    return e;
  }

  function api(method, path, body) {
    var opts = { method: method, credentials: 'same-origin', headers: {} };
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    return fetch(path, opts).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        return { ok: res.ok, status: res.status, data: data };
      });
    });
  }

  function refreshList() {
    return api('GET', '/api/agent/conversations').then(function (res) {
      if (!res.ok) return;
      var convs = res.data.conversations || [];
      list.textContent = '';
      empty.hidden = convs.length > 0;
      convs.forEach(function (c) {
        var li = el('li', 'agent-item' + (c.id === current ? ' agent-current' : ''));
        var b = el('button', 'agent-open');
        b.type = 'button';
        b.dataset.id = c.id;
        b.append(el('strong', null, c.flowId), el('span', 'agent-page', c.page), el('span', 'agent-last', c.last));
        if (c.waiting) b.append(el('span', 'agent-waiting', 'waiting'));
        b.addEventListener('click', function () { select(c.id); });
        li.append(b);
        list.append(li);
      });
    });
  }

  function select(id) {
    current = id;
    lastSeq = 0;
    messages.textContent = '';
    thread.hidden = false;
    title.textContent = id;
    thread.dataset.id = id;
    refreshThread().then(refreshList);
  }

  function render(entries) {
    (entries || []).forEach(function (e) {
      if (e.seq <= lastSeq) return;
      lastSeq = e.seq;
      var li = el('li', 'agent-msg agent-' + e.from);
      li.dataset.from = e.from;
      li.dataset.seq = String(e.seq);
      li.append(el('span', 'agent-from', e.from), el('span', 'agent-text', e.text || e.url || ''));
      messages.append(li);
    });
    messages.scrollTop = messages.scrollHeight;
  }

  function refreshThread() {
    if (!current) return Promise.resolve();
    var id = current;
    return api('GET', '/api/agent/conversations/' + encodeURIComponent(id) + '/messages?after=' + lastSeq).then(function (res) {
      if (res.ok && id === current) render(res.data.entries);
    });
  }

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var body = text.value.trim();
    if (!body || !current || sending) return;
    sending = true;
    api('POST', '/api/agent/conversations/' + encodeURIComponent(current) + '/messages', { text: body, after: lastSeq })
      .then(function (res) {
        sending = false;
        if (res.ok) {
          text.value = '';
          render(res.data.entries);
        }
      }, function () { sending = false; });
  });

  function tick() {
    Promise.all([refreshList(), refreshThread()]).then(function () { setTimeout(tick, 2000); },
      function () { setTimeout(tick, 4000); });
  }
  tick();
})();
