/* The maintainers' console: gaps and their suggestions, accept / edit / reject, build with a preview, publish.
   Every label comes from the KB's voice (voice.yaml, section console, keys admin.*). All text goes in with
   textContent. */
(function () {
  "use strict";

  var K = window.FAQ_CONSOLE;
  var C = K.C, N = K.N, $ = K.$, el = K.el, pct = K.pct, time = K.time;
  var state = { gaps: [], selected: null, poll: null };
  var session = K.session({
    storage: "faq-admin-key", pane: "console", me: "/v1/agent/me",
    signedIn: function (me) {
      if (me.role !== "admin") throw new Error(C("admin.not_admin"));
      $("who").textContent = me.name;
      loadGaps();
      readBuild();
    },
    failed: function (err) { return C("admin.failed", { detail: err.message }); },
  });
  var api = session.api;
  session.wire();

  function say(text, bad) {
    $("message").hidden = false;
    $("message").className = "message" + (bad ? " bad" : "");
    $("message").textContent = text;
  }

  // ---- tabs ----------------------------------------------------------------------------------------------

  Array.prototype.forEach.call(document.querySelectorAll(".tab"), function (tab) {
    tab.addEventListener("click", function () { show(tab.dataset.tab); });
  });
  function show(name) {
    Array.prototype.forEach.call(document.querySelectorAll(".tab"), function (t) {
      t.classList.toggle("active", t.dataset.tab === name);
    });
    ["gaps", "reviews", "insights", "overlaps", "events"].forEach(function (n) { $("tab-" + n).hidden = n !== name; });
    if (name === "gaps") loadGaps();
    if (name === "reviews") loadReviews();
    if (name === "insights") api("GET", "/v1/admin/insights").then(function (data) { window.FAQ_ADMIN_CHARTS.render(data); });
    if (name === "overlaps") loadOverlaps();
    if (name === "events") loadEvents();
  }

  // ---- gaps ----------------------------------------------------------------------------------------------

  function loadGaps() {
    return api("GET", "/v1/admin/gaps").then(function (res) {
      state.gaps = res.gaps;
      var list = $("gap-list");
      list.textContent = "";
      $("gap-count").textContent = res.gaps.length ? C("admin.gap_count", { n: res.gaps.length }) : C("admin.empty");
      var most = res.gaps.reduce(function (m, g) { return Math.max(m, g.count); }, 1);
      res.gaps.forEach(function (g) {
        var li = el("li", g.id === state.selected ? "selected" : "");
        li.dataset.id = g.id;
        li.appendChild(el("span", "count", g.count));
        li.appendChild(el("span", "", g.items[0] ? g.items[0].question : ""));
        li.appendChild(el("div", "muted small", N("admin.action_short", g.suggestion.action)));
        var bar = el("div", "bar");
        bar.style.width = Math.max(4, Math.round(100 * g.count / most)) + "%";
        li.appendChild(bar);
        li.addEventListener("click", function () { select(g.id); });
        list.appendChild(li);
      });
      var still = res.gaps.some(function (g) { return g.id === state.selected; });
      if (!still) { state.selected = null; $("gap-body").hidden = true; $("gap-empty").hidden = false; }
      else select(state.selected);
    }).catch(function (err) { say(C("admin.failed", { detail: err.message }), true); });
  }

  function select(id) {
    state.selected = id;
    var g = state.gaps.filter(function (x) { return x.id === id; })[0];
    Array.prototype.forEach.call($("gap-list").children, function (li) {
      li.classList.toggle("selected", Number(li.dataset.id) === id);
    });
    $("gap-empty").hidden = true;
    $("gap-body").hidden = false;
    $("edit-form").hidden = true;
    $("accept").textContent = C("admin.accept");
    $("gap-title").textContent = C("admin.gap_title", { n: g.count, q: g.items[0] ? g.items[0].question : "" });
    var kinds = Object.keys(g.kinds).map(function (k) { return N("admin.kind", k) + " " + g.kinds[k]; });
    $("gap-meta").textContent = kinds.join(" · ") + " · " + C("admin.first_last", { first: time(g.first_seen), last: time(g.last_seen) });
    var items = $("gap-items");
    items.textContent = "";
    g.items.forEach(function (i) {
      var li = el("li", "", i.question);
      li.appendChild(el("span", "kind", N("admin.kind", i.kind) + " · " + time(i.at)));
      items.appendChild(li);
    });
    drawSuggestion(g);
  }

  function drawSuggestion(g) {
    var s = g.suggestion, box = $("suggestion");
    box.textContent = "";
    box.className = "suggestion" + (s.strong ? "" : " weak");
    box.appendChild(el("div", "", N("admin.action", s.action, { q: s.entry_question || "", id: s.entry_id || "" })));
    if (s.answer) box.appendChild(el("div", "answer", s.answer));
    if (s.labelled.length) box.appendChild(el("div", "muted small", C("admin.labelled", { n: s.labelled.length })));
    if (g.problem) box.appendChild(el("div", "error", C("admin.problem", { detail: g.problem })));
    var ev = $("evidence");
    ev.textContent = "";
    s.evidence.forEach(function (e) {
      var li = el("li", "", N("admin.evidence", e.kind, { id: e.entry_id || "", text: e.text || "" }));
      li.appendChild(el("span", "kind", e.question));
      ev.appendChild(li);
    });
    drawDiff(g.diff);
    $("e-action").value = s.action === "review" ? "new_entry" : s.action;
    $("e-entry").value = s.entry_id || "";
    $("e-questions").value = s.questions.join("\n");
    $("e-answer").value = s.answer || "";
    $("e-team").value = s.team || "";
  }

  function drawDiff(diff) {
    var pre = $("diff");
    pre.textContent = "";
    if (!diff) { pre.appendChild(el("span", "", C("admin.no_diff"))); return; }
    diff.split("\n").forEach(function (line) {
      var cls = /^@@/.test(line) ? "hunk" : /^\+(?!\+\+)/.test(line) ? "add" : /^-(?!--)/.test(line) ? "del" : "";
      pre.appendChild(el("span", cls, line + "\n"));
    });
  }

  function edited() {
    var questions = $("e-questions").value.split("\n").map(function (q) { return q.trim(); }).filter(Boolean);
    var body = { action: $("e-action").value, questions: questions };
    if ($("e-entry").value.trim()) body.entry_id = $("e-entry").value.trim();
    if ($("e-answer").value.trim()) body.answer = $("e-answer").value.trim();
    if ($("e-team").value.trim()) body.team = $("e-team").value.trim();
    return body;
  }

  $("accept").addEventListener("click", function () {
    var body = $("edit-form").hidden ? {} : edited();
    api("POST", "/v1/admin/gaps/" + state.selected + "/accept", body).then(function () {
      say(C("admin.accepted"));
      loadGaps();
    }).catch(function (err) { say(C("admin.failed", { detail: err.message }), true); });
  });
  $("edit").addEventListener("click", function () {
    $("edit-form").hidden = false;
    $("accept").textContent = C("admin.accept_edited");
  });
  $("reject").addEventListener("click", function () {
    api("POST", "/v1/admin/gaps/" + state.selected + "/reject", {}).then(function () {
      say(C("admin.rejected"));
      loadGaps();
    }).catch(function (err) { say(C("admin.failed", { detail: err.message }), true); });
  });

  // ---- build, preview, publish ---------------------------------------------------------------------------

  function drawBuild(job) {
    var n = job.changes.length;
    $("build-state").textContent = N("admin.build", job.state, { version: job.version || "", seconds: job.seconds,
      asked: job.asked, n: n, detail: job.error || "" });
    $("build").disabled = job.state === "building";
    $("publish").disabled = job.state !== "ready";
    $("preview").hidden = job.state !== "ready";
    var rows = $("preview-rows");
    rows.textContent = "";
    job.changes.forEach(function (c) {
      var tr = el("tr");
      tr.appendChild(el("td", "", c.question));
      tr.appendChild(el("td", "", said(c.before)));
      tr.appendChild(el("td", "", said(c.after)));
      rows.appendChild(tr);
    });
    if (job.state === "ready" && !n) {
      var tr = el("tr");
      tr.appendChild(el("td", "muted", C("admin.preview_none")));
      rows.appendChild(tr);
    }
    clearTimeout(state.poll);
    if (job.state === "building") state.poll = setTimeout(readBuild, 1500);
  }
  function said(s) { return C("admin.decision", { decision: N("decision", s.decision), q: s.entry_question || "" }); }
  function readBuild() { return api("GET", "/v1/admin/kb/build").then(drawBuild); }

  $("build").addEventListener("click", function () {
    api("POST", "/v1/admin/kb/build").then(drawBuild).catch(function (err) { say(C("admin.failed", { detail: err.message }), true); });
  });
  $("publish").addEventListener("click", function () {
    $("publish").disabled = true;
    api("POST", "/v1/admin/kb/publish").then(function (job) { drawBuild(job); say(C("admin.build.published", { version: job.version })); })
      .catch(function (err) { say(C("admin.failed", { detail: err.message }), true); });
  });

  // ---- the quality review sample: label random recent questions with the entry that answers them -------------

  function loadReviews() {
    return api("GET", "/v1/admin/reviews").then(function (res) {
      $("review-tally").textContent = C("admin.review_tally", { n: res.reviewed, a: res.answered,
        r: res.answered_right, p: res.answered ? pct(res.answered_right / res.answered) : "-" });
      var list = $("review-list");
      list.textContent = "";
      if (!res.turns.length) list.appendChild(el("li", "muted", C("admin.review_empty")));
      res.turns.forEach(function (t) { list.appendChild(reviewItem(t)); });
    }).catch(function (err) { say(C("admin.failed", { detail: err.message }), true); });
  }

  function reviewItem(t) {
    var li = el("li", "review");
    li.appendChild(el("div", "question", t.question));
    var bot = t.entry_id ? t.choices.filter(function (c) { return c.id === t.entry_id; })[0] : null;
    li.appendChild(el("div", "muted small", C("admin.review_meta", { decision: N("decision", t.decision),
      c: pct(t.confidence), at: time(t.at), q: bot ? bot.question : "" })));
    var row = el("div", "actions");
    t.choices.forEach(function (c) {
      var b = el("button", c.id === t.entry_id ? "primary" : "ghost", C("admin.review_pick", { q: c.question, id: c.id }));
      b.type = "button";
      b.addEventListener("click", function () { label(t, c.id, li); });
      row.appendChild(b);
    });
    var none = el("button", "ghost", C("admin.review_none"));
    none.type = "button";
    none.addEventListener("click", function () { label(t, null, li); });
    row.appendChild(none);
    var input = el("input");
    input.type = "text";
    input.placeholder = C("admin.review_id");
    var by = el("button", "ghost", C("admin.review_by_id"));
    by.type = "button";
    by.addEventListener("click", function () { if (input.value.trim()) label(t, input.value.trim(), li); });
    row.appendChild(input);
    row.appendChild(by);
    li.appendChild(row);
    return li;
  }

  function label(t, expected, li) {
    api("POST", "/v1/admin/reviews/" + t.turn_id, { expected: expected }).then(function () {
      li.classList.add("done");
      li.lastChild.textContent = C("admin.review_done", { id: expected || C("admin.review_none") });
    }).catch(function (err) { say(C("admin.failed", { detail: err.message }), true); });
  }
  $("review-more").addEventListener("click", loadReviews);

  // ---- overlaps and the audit trail ----------------------------------------------------------------------

  function loadOverlaps() {
    api("GET", "/v1/admin/overlaps").then(function (res) {
      var list = $("overlap-list");
      list.textContent = "";
      if (!res.overlaps.length) list.appendChild(el("li", "muted", C("admin.no_overlaps")));
      res.overlaps.forEach(function (o) {
        var li = el("li", "", N("admin.overlap", o.action, { a: o.entry_id, b: o.other_id, p: pct(o.share), words: o.words.join(" ") }));
        li.appendChild(el("div", "muted small", o.questions.join(" / ")));
        list.appendChild(li);
      });
    });
  }
  function loadEvents() {
    api("GET", "/v1/admin/events").then(function (res) {
      var list = $("event-list");
      list.textContent = "";
      res.events.forEach(function (e) {
        var what = e.gap_id ? "#" + e.gap_id : (e.detail.version || e.detail.error || e.detail.question || "");
        list.appendChild(el("li", "", C("admin.event", { at: time(e.at), actor: e.actor, action: N("admin.event_action", e.action), what: what })));
        if (e.detail.diff) list.lastChild.appendChild(el("pre", "diff", e.detail.diff));
      });
    });
  }

  K.voice(function () { session.resume(""); });
})();
