/* The agent console: sign in with a key, work the queue, answer users. All text goes in with textContent. */
(function () {
  "use strict";

  var REFRESH_MS = 8000;  // the queue is also reloaded on every live update (server-sent events)
  var STREAM_WAIT_MS = 20000;  // no byte of the live stream by then (a buffering proxy): keep to polling
  var K = window.FAQ_CONSOLE;
  var C = K.C, $ = K.$, el = K.el, time = K.time;
  function named(prefix, value) { var text = K.text(prefix + "." + value); return text === undefined ? value : text; }

  var state = { me: null, selected: null, ticket: null, timer: null, stream: null, attention: [], shots: [] };
  var session = K.session({
    storage: "faq-agent-key", pane: "console", me: "/v1/agent/me",
    signedIn: function (me) {
      state.me = me;
      $("who").textContent = me.name + " · " + C(me.role === "admin" ? "role.admin" : "role.agent");
      [$("f-team"), $("transfer-team")].forEach(function (select, n) {
        select.textContent = "";
        if (n === 0) select.appendChild(new Option(C("all_teams"), ""));
        me.teams.forEach(function (t) { select.appendChild(new Option(team(t), t)); });
      });
      loadQueue();
      live();
    },
    signedOut: function () {
      clearTimeout(state.timer);
      if (state.stream) { state.stream.abort(); state.stream = null; }
    },
    unauthorized: function () { session.signOut(C("key_invalid")); },
    failed: function (err) { return err.status === 401 ? null : C("login_failed", { detail: err.message }); },
  });
  var api = session.api;
  session.wire();

  function team(name) { return K.text("team." + name) ? K.text("team." + name) + "（" + name + "）" : name; }
  var REASONS = [
    [/^confidence ([\d.]+) below the clarify threshold ([\d.]+)/, function (m) { return C("reason.low_confidence", { p: m[1], t: m[2] }); }],
    [/^the user asked for a person \((?:「(.+)」|.+)\)/, function (m) { return C("reason.asked_person", { word: m[1] || "" }); }],
    [/^the user asked for a person$/, function () { return C("reason.pressed_button"); }],
    [/^(?:safety|legal): (?:「(.+)」)?/, function (m) { return C("reason.safety", { word: m[1] || "" }); }],
    [/^nothing in the KB matches$/, function () { return C("reason.nothing"); }],
  ];

  function pct(x) { return x > 0 && x < 0.01 ? "<1%" : K.pct(x); }

  function reason(text) {
    for (var i = 0; i < REASONS.length; i++) {
      var m = text.match(REASONS[i][0]);
      if (m) return REASONS[i][1](m);
    }
    return text;
  }

  function age(seconds) {
    if (seconds < 60) return C("ago.now");
    if (seconds < 3600) return C("ago.minutes", { n: Math.floor(seconds / 60) });
    if (seconds < 86400) return C("ago.hours", { n: Math.floor(seconds / 3600) });
    return C("ago.days", { n: Math.floor(seconds / 86400) });
  }

  // ---- the queue -----------------------------------------------------------------------------------------

  function loadQueue() {
    clearTimeout(state.timer);
    var q = "?status=" + encodeURIComponent($("f-status").value);
    if ($("f-team").value) q += "&team=" + encodeURIComponent($("f-team").value);
    if ($("f-mine").checked) q += "&mine=true";
    return api("GET", "/v1/agent/tickets" + q).then(function (queue) {
      var list = $("queue");
      list.textContent = "";
      $("queue-count").textContent = C("queue_count", { n: queue.count });
      if (!state.stream && $("f-status").value === "active" && !$("f-mine").checked) {  // no live stream: count here
        var waiting = queue.tickets.filter(function (t) { return t.status === "open" || t.attention; }).length;
        document.title = waiting ? C("page_title_count", { n: waiting }) : C("page_title");
      }
      queue.tickets.forEach(function (t) {
        var li = el("li", (t.id === state.selected ? "selected " : "") + "p" + t.priority + (t.attention ? " attention" : ""));
        li.dataset.id = t.id;
        li.appendChild(el("div", "q", "#" + t.id + " " + t.question));
        var meta = el("div", "meta");
        if (t.attention) meta.appendChild(el("span", "badge attention", C("attention")));
        if (t.sla && t.status !== "resolved") meta.appendChild(el("span", "badge sla" + (t.sla.breached ? " breached" : ""), sla(t.sla, t.status)));
        if (t.priority > 0) meta.appendChild(el("span", "badge prio p" + t.priority, named("priority", t.priority)));
        if (t.emotion) meta.appendChild(el("span", "badge emotion", named("emotion", t.emotion)));
        var badge = el("span", "badge " + t.status, named("status", t.status));
        meta.appendChild(badge);
        meta.appendChild(el("span", "", team(t.team)));
        meta.appendChild(el("span", "", age(t.age_seconds)));
        meta.appendChild(el("span", "", C("confidence", { p: pct(t.confidence) })));
        if (t.assignee) meta.appendChild(el("span", "", C("assignee", { name: t.assignee })));
        li.appendChild(meta);
        li.addEventListener("click", function () { select(t.id); });
        list.appendChild(li);
      });
    }).catch(function () { /* shown on the next successful refresh */ }).then(function () {
      if (session.key) state.timer = setTimeout(loadQueue, REFRESH_MS);
    });
  }

  $("f-status").addEventListener("change", loadQueue);
  $("f-mine").addEventListener("change", loadQueue);
  $("f-team").addEventListener("change", loadQueue);
  $("refresh").addEventListener("click", loadQueue);

  // ---- one ticket ----------------------------------------------------------------------------------------

  function select(id) {
    state.selected = id;
    Array.prototype.forEach.call($("queue").children, function (li) {
      li.classList.toggle("selected", Number(li.dataset.id) === id);
    });
    message("");
    $("reply").value = "";
    return api("GET", "/v1/agent/tickets/" + id).then(show);
  }

  function info(dl, label, value) {
    dl.appendChild(el("dt", "", label));
    dl.appendChild(el("dd", "", value === null || value === undefined || value === "" ? "—" : value));
  }

  function show(t) {
    if (!state.ticket || state.ticket.id !== t.id) $("t-canned").dataset.loaded = "";
    $("empty").hidden = true;
    $("ticket").hidden = false;
    $("t-title").textContent = "#" + t.id + " " + t.question;
    var badge = $("t-status");
    badge.className = "badge " + t.status;
    badge.textContent = named("status", t.status);
    state.ticket = t;
    var dl = $("t-info");
    dl.textContent = "";
    info(dl, C("field.priority"), named("priority", t.priority) + (t.emotion ? " · " + named("emotion", t.emotion) : ""));
    info(dl, C("field.team"), team(t.team));
    info(dl, C("field.source"), named("source", t.source) + " · " + t.channel);
    info(dl, C("field.confidence"), pct(t.confidence));
    info(dl, C("field.assignee"), t.assignee);
    info(dl, C("field.contact"), t.contact);
    info(dl, C("field.created"), time(t.created_at) + "（" + age(t.age_seconds) + "）");
    info(dl, C("field.description"), t.description);
    info(dl, C("field.reason"), reason(t.reason));
    info(dl, C("field.sla"), sla(t.sla, t.status));
    info(dl, C("field.rating"), t.rating ? C("rating", { score: t.rating }) + (t.rating_comment ? "：" + t.rating_comment : "") : null);
    info(dl, C("field.earlier"), (t.earlier || []).map(function (e) {
      return "#" + e.id + " " + named("status", e.status) + " " + e.question;
    }).join("\n"));
    thread(t);
    shots(t);
    if (!state.ticket || state.ticket.id !== t.id || !$("t-canned").dataset.loaded) canned(t.id);

    var conv = $("t-conversation");
    conv.textContent = "";
    if (!t.conversation.length) conv.appendChild(el("li", "muted", C("no_conversation")));
    t.conversation.forEach(function (turn) {
      var li = el("li");
      li.appendChild(el("div", "u", C("turn.user") + turn.question));
      li.appendChild(el("div", "b", C("turn.bot", { decision: named("decision", turn.decision), p: pct(turn.confidence) })
        + "：" + turn.answer));
      conv.appendChild(li);
    });
    suggestions($("t-suggestions"), templates().concat(t.suggestions), C("no_suggestions"));

    var held = t.status === "claimed" || t.status === "pending";
    var mine = held && (t.assignee === state.me.name || state.me.role === "admin");
    $("claim").disabled = t.status !== "open";
    $("release").disabled = !mine;
    $("transfer").disabled = $("transfer-team").disabled = $("transfer-note").disabled = !(t.status === "open" || mine);
    $("spam").disabled = !(t.status === "open" || mine);
    $("close-ticket").disabled = t.status !== "resolved";
    $("send").disabled = !mine;
    $("reply").disabled = !mine;
    $("reply").placeholder = mine ? C("reply_placeholder")
      : t.status === "resolved" || t.status === "closed" ? C("ticket_resolved")
        : held ? C("claimed_by_other", { name: t.assignee }) : C("claim_first");

    var events = $("t-events");
    events.textContent = "";
    (t.events || []).forEach(function (e) {
      var li = el("li");
      li.appendChild(el("span", "t", time(e.at)));
      var text = named("actor", e.actor) + " " + named("action", e.action) + (e.to_status ? " → " + named("status", e.to_status) : "");
      if (e.action === "transfer" && e.team) text += "（" + team(e.team) + "）";
      if (e.text) text += "：" + e.text;
      li.appendChild(document.createTextNode(text));
      events.appendChild(li);
    });
  }

  function suggestions(box, items, emptyText) {
    box.textContent = "";
    if (!items.length) box.appendChild(el("div", "muted small", emptyText));
    items.forEach(function (s) {
      var card = el("div", "sugg");
      var head = el("div", "h");
      head.appendChild(el("span", "q", s.question));
      if (s.score !== undefined) head.appendChild(el("span", "score", pct(s.score)));
      var insert = el("button", "ghost", C("insert"));
      insert.type = "button";
      insert.addEventListener("click", function () {
        var area = $("reply");
        if (area.disabled) { message(C("insert_claim_first"), true); return; }
        area.value = area.value ? area.value + "\n" + s.answer : s.answer;
        area.focus();
      });
      head.appendChild(insert);
      card.appendChild(head);
      if (s.matched_question) card.appendChild(el("div", "m", C("matched", { q: s.matched_question })));
      card.appendChild(el("div", "a", s.answer));
      box.appendChild(card);
    });
  }

  function message(text, isError) {
    var p = $("t-message");
    p.hidden = !text;
    p.textContent = text || "";
    p.className = "message" + (isError ? " error" : "");
  }

  function step(path, body, done) {
    if (!state.ticket) return;
    api("POST", "/v1/agent/tickets/" + state.ticket.id + "/" + path, body)
      .then(function (t) {
        if (path === "reply") $("reply").value = "";
        if (path === "transfer") $("transfer-note").value = "";
        if (path === "notes") $("note").value = "";
        show(t);
        message(done);
        loadQueue();
      })
      .catch(function (err) {
        message(err.status === 409 ? C("conflict", { detail: err.message }) : C("failed", { detail: err.message }), true);
        if (state.ticket) select(state.ticket.id);
      });
  }

  $("claim").addEventListener("click", function () { step("claim", undefined, C("claimed")); });
  $("release").addEventListener("click", function () { step("release", undefined, C("released")); });
  $("transfer").addEventListener("click", function () {
    var to = $("transfer-team").value;
    var note = $("transfer-note").value.trim();
    if (!note) { message(C("transfer_note_required"), true); $("transfer-note").focus(); return; }
    step("transfer", { team: to, note: note }, C("transferred", { team: team(to) }));
  });
  $("spam").addEventListener("click", function () { step("spam", undefined, C("spammed")); });
  $("close-ticket").addEventListener("click", function () { step("close", undefined, C("closed")); });
  $("note-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var text = $("note").value.trim();
    if (text) step("notes", { text: text }, C("noted"));
  });
  $("reply-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var text = $("reply").value.trim();
    if (!text) { message(C("empty_reply"), true); return; }
    var mode = $("reply-mode").value;
    step("reply", { text: text, keep_open: mode === "keep", pending: mode === "pending" },
      C(mode === "keep" ? "sent_open" : mode === "pending" ? "asked" : "sent_resolved"));
  });

  // ---- SLA, the ticket's messages, screenshots, canned replies ----------------------------------------------

  function duration(seconds) {
    var m = Math.max(0, Math.round(seconds / 60));
    return m < 60 ? C("minutes", { n: m }) : C("hours", { h: Math.floor(m / 60), m: m % 60 });
  }

  function sla(s, status) {
    if (!s) return null;
    if (status === "resolved" || status === "closed") return C(s.resolution_met === false || s.first_response_met === false ? "sla.missed" : "sla.met");
    var left = duration(Math.abs(s.left_seconds));
    return s.breached ? C("sla.breached", { t: left }) : C(s.kind === "first_response" ? "sla.first_response" : "sla.resolution", { t: left });
  }

  /* What the user and the agents said on the ticket (internal notes are in the events, not here). */
  function thread(t) {
    var list = $("t-thread");
    list.textContent = "";
    var said = (t.events || []).filter(function (e) {
      return e.text && ["message", "reopen", "reply", "ask", "resolve"].indexOf(e.action) >= 0;
    });
    if (!said.length) list.appendChild(el("li", "muted", C("no_messages")));
    said.forEach(function (e) {
      var user = e.action === "message" || e.action === "reopen";
      var li = el("li", user ? "from-user" : "from-agent");
      li.appendChild(el("div", user ? "u" : "b", (user ? C("turn.user") : C("thread.agent", { name: e.actor })) + e.text));
      li.appendChild(el("div", "muted small", time(e.at)));
      list.appendChild(li);
    });
  }

  /* The user's screenshots, fetched with the key (an <img src> could not send it). */
  function shots(t) {
    var box = $("t-shots");
    var items = t.attachments || [];
    box.hidden = !items.length;
    var ids = items.map(function (a) { return a.id; }).join(",");
    if (box.dataset.ids === t.id + ":" + ids) return;
    box.dataset.ids = t.id + ":" + ids;
    box.textContent = "";
    state.shots.forEach(function (u) { URL.revokeObjectURL(u); });
    state.shots = [];
    if (items.length) box.appendChild(el("div", "muted small", C("field.attachments")));
    items.forEach(function (a) {
      var img = el("img", "shot");
      img.alt = "#" + a.id;
      box.appendChild(img);
      fetch("/v1/agent/tickets/" + t.id + "/attachments/" + a.id, { headers: { Authorization: "Bearer " + session.key } })
        .then(function (r) { if (!r.ok) throw new Error(r.statusText); return r.blob(); })
        .then(function (blob) { var u = URL.createObjectURL(blob); state.shots.push(u); img.src = u; })
        .catch(function () { img.alt = C("failed", { detail: "#" + a.id }); });
    });
  }

  function canned(ticketId) {
    var q = $("canned-q").value.trim();
    $("t-canned").dataset.loaded = "1";
    api("GET", "/v1/agent/canned?ticket_id=" + ticketId + "&q=" + encodeURIComponent(q))
      .then(function (res) {
        suggestions($("t-canned"), res.replies.map(function (r) {
          return { question: C("templates") + " · " + r.title, answer: r.text };
        }), C("no_canned"));
      })
      .catch(function (err) { suggestions($("t-canned"), [], C("search_failed", { detail: err.message })); });
  }

  var cannedTimer = null;
  $("canned-q").addEventListener("input", function () {
    clearTimeout(cannedTimer);
    cannedTimer = setTimeout(function () { if (state.ticket) canned(state.ticket.id); }, 250);
  });

  // ---- live: the queue's server-sent events (fetch, so the key stays in a header) --------------------------

  function live() {
    if (state.stream) state.stream.abort();
    var ctrl = new AbortController();
    var worked = false;
    state.stream = ctrl;
    var guard = setTimeout(function () { if (!worked) ctrl.abort(); }, STREAM_WAIT_MS);
    fetch("/v1/agent/stream", { headers: { Accept: "text/event-stream", Authorization: "Bearer " + session.key }, signal: ctrl.signal })
      .then(function (r) {
        if (!r.ok || !r.body) throw new Error(r.statusText);
        var reader = r.body.getReader();
        var decoder = new TextDecoder();
        var buffer = "";
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) return;
            worked = true;
            buffer += decoder.decode(chunk.value, { stream: true });
            var blocks = buffer.split("\n\n");
            buffer = blocks.pop();
            blocks.forEach(function (block) {
              var data = block.split("\n").filter(function (l) { return l.indexOf("data: ") === 0; })
                .map(function (l) { return l.slice(6); }).join("");
              if (data) changed(JSON.parse(data));
            });
            return pump();
          });
        }
        return pump();
      })
      .catch(function () { /* polling goes on; the stream is tried again below */ })
      .then(function () {
        clearTimeout(guard);
        if (state.stream !== ctrl || !session.key) return;
        state.stream = null;
        setTimeout(live, worked ? 0 : 60000);
      });
  }

  /* Something changed: the page title counts what waits (new tickets and users who wrote), a user who wrote
     on a ticket is announced, and the queue and the open ticket are reloaded. */
  function changed(summary) {
    var waiting = summary.open + summary.attention.length;
    document.title = waiting ? C("page_title_count", { n: waiting }) : C("page_title");
    var fresh = summary.attention.filter(function (id) { return state.attention.indexOf(id) < 0; });
    state.attention = summary.attention;
    if (fresh.length) {
      var box = $("alert");
      box.hidden = false;
      box.textContent = C("alert", { id: fresh.join(", #") });
    } else if (!summary.attention.length) {
      $("alert").hidden = true;
    }
    loadQueue();
    if (state.ticket) api("GET", "/v1/agent/tickets/" + state.ticket.id).then(show).catch(function () {});
  }

  // ---- suggested answers for any question ----------------------------------------------------------------

  $("search-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var q = $("search").value.trim();
    if (!q) return;
    api("GET", "/v1/agent/suggest?k=5&q=" + encodeURIComponent(q))
      .then(function (res) { suggestions($("search-results"), res.suggestions, C("no_results")); })
      .catch(function (err) { suggestions($("search-results"), [], C("search_failed", { detail: err.message })); });
  });

  /* The voice's reply templates (agent channel), offered beside the bot's suggestions. */
  function templates() {
    return ["agent.opening", "agent.closing"].filter(function (k) { return K.say(k); }).map(function (k) {
      return { question: C("templates"), answer: K.say(k) };
    });
  }

  K.voice(function () { session.resume(""); });
})();
