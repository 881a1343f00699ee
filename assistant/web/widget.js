/* The help widget: a chat panel for end users, in Chinese.
 *
 * Works as the page at `/` (data-mode="page") and embedded in any other page (a floating launcher):
 *   <script src="https://help.example.com/static/widget.js" defer></script>
 * The API base is taken from the script's own URL (or data-api). The panel lives in a shadow root, so host
 * page styles do not reach it and its styles do not leak out. All text is inserted with textContent: nothing
 * from a question, an answer or an agent's reply is ever parsed as HTML.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var API = (script && script.dataset.api) || (script ? new URL(script.src, location.href).origin : "");
  var MODE = (script && script.dataset.mode) || "floating";
  var TARGET = script && script.dataset.target;
  var KEY = "faq-widget:" + API;
  var POLL_MS = 4000;
  var STREAM_WAIT_MS = 20000;  // no byte of a live stream by then: a buffering proxy, poll instead
  var CHANNEL = MODE === "page" ? "web" : "embed";
  /* Every text the widget shows comes from the KB's voice (voice.yaml), fetched at start: T for the widget's
     labels, SAY for the assistant's sentences; {name} placeholders are filled in. */
  var VOICE = { widget: {}, say: {}, max: 500 };
  function fill(text, vars) {
    return String(text || "").replace(/\{(\w+)\}/g, function (m, name) { return vars && name in vars ? vars[name] : m; });
  }
  function T(key, vars) { return fill(VOICE.widget[key], vars); }
  function SAY(key, vars) { return fill(VOICE.say[key], vars); }

  // ---- small helpers -------------------------------------------------------------------------------------

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY) || "{}"); } catch (e) { return {}; }
  }

  function save(state) {
    try { localStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { /* private mode: keep in memory */ }
  }

  function newSession() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function call(method, path, body, headers) {
    var init = { method: method, headers: Object.assign({ Accept: "application/json" }, headers || {}) };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(API + path, init).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) {
          var err = new Error(data.detail || r.statusText);
          err.code = data.code;
          err.status = r.status;
          err.retryAfter = Number(r.headers.get("Retry-After") || 0);
          throw err;
        }
        return data;
      });
    });
  }

  var STEP_LINE = /^(\d+)\s*[.、．)）]\s*(.*)$/;  // "1. ...", "2、...": one step of an answer

  /* Answers carry numbered steps ("1. ...", "2、..."): show them as a list, other lines as paragraphs. */
  function renderAnswer(container, text) {
    var list = null;
    String(text).split(/\n+/).forEach(function (line) {
      line = line.trim();
      if (!line) return;
      var step = line.match(STEP_LINE);
      if (step) {
        if (!list) { list = el("ol"); list.start = Number(step[1]); container.appendChild(list); }
        list.appendChild(el("li", "", step[2]));
      } else {
        list = null;
        container.appendChild(el("p", "", line));
      }
    });
  }

  // ---- the widget ----------------------------------------------------------------------------------------

  function Widget(host) {
    this.state = load();
    if (!this.state.session) { this.state.session = newSession(); save(this.state); }
    this.seenReplies = 0;
    this.timer = null;
    this.stream = null;
    this.last = null;
    this.busy = false;
    this.build(host);
    this.greet();
    var self = this;
    this.resume().then(function () {
      if (self.state.ticket) self.follow(true);
      if (self.state.feedback) self.pollFeedback();
    });
  }

  /* After a reload: the conversation so far, from the server's turn log. */
  Widget.prototype.resume = function () {
    var self = this;
    return call("GET", "/v1/sessions/" + encodeURIComponent(this.state.session) + "/turns")
      .then(function (res) {
        res.turns.forEach(function (t) {
          self.add("", "me").textContent = t.question;
          var b = self.add(T("bot_name"), "bot history");
          renderAnswer(b, t.answer);
          if (t.decision === "clarify" && t.choices && t.choices.length) self.choices(b, t.choices);
          if (t.decision === "feedback") self.offered(b, t.choices);
        });
      })
      .catch(function () { /* a new session, or the service is busy: start afresh */ });
  };

  Widget.prototype.build = function (host) {
    var shadow = host.attachShadow({ mode: "open" });
    var css = el("link");
    css.rel = "stylesheet";
    css.href = API + "/static/widget.css";
    shadow.appendChild(css);
    var root = this.root = el("div", "root " + (MODE === "page" ? "page" : "floating closed"));
    var panel = el("div", "panel");
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", T("title"));

    var header = el("header");
    header.appendChild(el("div", "avatar", T("avatar")));
    var heading = el("div", "heading");
    heading.appendChild(el("div", "title", T("title")));
    heading.appendChild(el("div", "subtitle", T("subtitle")));
    header.appendChild(heading);
    this.humanButton = el("button", "human", T("human_button"));
    this.humanButton.type = "button";
    this.humanButton.addEventListener("click", this.openHandoff.bind(this, null));
    header.appendChild(this.humanButton);
    this.feedbackButton = el("button", "feedback-open", T("feedback_button"));
    this.feedbackButton.type = "button";
    this.feedbackButton.addEventListener("click", this.openFeedback.bind(this));
    header.appendChild(this.feedbackButton);
    if (MODE !== "page") {
      var close = el("button", "close", "×");
      close.type = "button";
      close.setAttribute("aria-label", T("close"));
      close.addEventListener("click", function () { root.classList.add("closed"); });
      header.appendChild(close);
    }
    panel.appendChild(header);

    this.log = el("div", "log");
    this.log.setAttribute("role", "log");
    this.log.setAttribute("aria-live", "polite");
    panel.appendChild(this.log);

    this.ticketBar = el("div", "ticket");
    this.ticketBar.hidden = true;
    panel.appendChild(this.ticketBar);
    this.feedbackBar = el("div", "feedback-bar");
    this.feedbackBar.hidden = true;
    panel.appendChild(this.feedbackBar);

    var form = el("form", "composer");
    this.input = el("textarea");
    this.input.placeholder = T("placeholder");
    this.input.setAttribute("aria-label", T("input_label"));
    this.input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
    });
    /* no maxLength: a long message is not cut silently, a counter says how much is too much */
    this.counter = el("div", "counter");
    this.input.addEventListener("input", this.count.bind(this));
    this.send = el("button", "primary", T("send"));
    this.send.type = "submit";
    var file = el("input");
    file.type = "file";
    file.accept = "image/png,image/jpeg,image/gif,image/webp";
    file.hidden = true;
    file.addEventListener("change", function () { this.upload(file.files[0]); file.value = ""; }.bind(this));
    this.attach = el("button", "attach", T("attach"));
    this.attach.type = "button";
    this.attach.title = T("attach_label");
    this.attach.setAttribute("aria-label", T("attach_label"));
    this.attach.hidden = true;
    this.attach.addEventListener("click", function () { file.click(); });
    form.appendChild(file);
    form.appendChild(this.attach);
    form.appendChild(this.input);
    form.appendChild(this.counter);
    form.appendChild(this.send);
    form.addEventListener("submit", function (e) { e.preventDefault(); this.ask(this.input.value); }.bind(this));
    panel.appendChild(form);
    root.appendChild(panel);

    if (MODE !== "page") {
      var launcher = el("button", "launcher", T("launcher"));
      launcher.type = "button";
      launcher.addEventListener("click", function () {
        root.classList.toggle("closed");
        if (!root.classList.contains("closed")) this.input.focus();
      }.bind(this));
      root.appendChild(launcher);
    }
    shadow.appendChild(root);
  };

  Widget.prototype.scroll = function () { this.log.scrollTop = this.log.scrollHeight; };

  Widget.prototype.add = function (who, cls) {
    var msg = el("div", "msg " + cls);
    if (who) msg.appendChild(el("div", "who", who));
    var bubble = el("div", "bubble");
    msg.appendChild(bubble);
    this.log.appendChild(msg);
    this.scroll();
    return bubble;
  };

  Widget.prototype.note = function (text, isError) {
    this.log.appendChild(el("div", "sys" + (isError ? " error" : ""), text));
    this.scroll();
  };

  Widget.prototype.greet = function () {
    var b = this.add(T("bot_name"), "bot");
    b.appendChild(el("p", "", SAY("greeting")));
    b.appendChild(el("p", "", SAY("greeting_human_hint")));
  };

  Widget.prototype.count = function () {
    var n = Array.from(this.input.value.trim()).length;
    var over = n > VOICE.max;
    this.counter.textContent = n ? T("counter", { count: n, max: VOICE.max }) : "";
    this.counter.classList.toggle("over", over);
    this.send.disabled = over || this.busy;
    return over;
  };

  Widget.prototype.failed = function (err) {
    if (err && err.code === "rate_limited" && err.retryAfter) {
      this.note(T("error.rate_limited_wait", { seconds: err.retryAfter }), true);
    } else {
      this.note((err && VOICE.widget["error." + err.code]) || T("error.network"), true);
    }
  };

  Widget.prototype.ask = function (text) {
    text = (text || "").trim();
    if (!text || this.busy) return;
    if (Array.from(text).length > VOICE.max) {
      this.note(T("too_long", { max: VOICE.max, count: Array.from(text).length }), true);
      return;
    }
    if (this.inTicket()) { this.sendToTicket(text); return; }
    this.busy = true;
    this.send.disabled = true;
    this.input.value = "";
    this.count();
    this.add("", "me").textContent = text;
    var typing = this.add(T("bot_name"), "bot typing");
    typing.textContent = T("thinking");
    var self = this;
    call("POST", "/v1/ask", { question: text, session_id: this.state.session, channel: CHANNEL })
      .then(function (reply) { typing.parentNode.remove(); self.show(reply); })
      .catch(function (err) { typing.parentNode.remove(); self.failed(err); })
      .then(function () { self.busy = false; self.send.disabled = false; self.input.focus(); });
  };

  Widget.prototype.show = function (reply) {
    var b = this.add(T("bot_name"), "bot");
    if (reply.empathy) b.appendChild(el("p", "empathy", reply.empathy));
    if (reply.decision === "answer" && reply.answer) {
      b.appendChild(el("div", "q", reply.answer.question));
      if (reply.focus) {
        /* a follow-up on the answer just shown: the part of it that answers, the whole answer one click away */
        b.appendChild(el("p", "lead", SAY("focus.lead")));
        renderAnswer(b, reply.focus);
        var whole = el("details", "whole");
        whole.appendChild(el("summary", "", T("full_answer")));
        renderAnswer(whole, reply.answer.answer);
        b.appendChild(whole);
      } else {
        renderAnswer(b, reply.answer.answer);
        if (steps(reply.answer.answer).length > 1) this.stepButton(b, reply.answer);
      }
      if (reply.message) b.appendChild(el("div", "note", reply.message));
      this.feedback(b, reply.answer.id, reply.offer_human);
      this.related(b, reply.related || []);
    } else if (reply.decision === "feedback") {
      b.appendChild(el("p", "", reply.message));
      /* the entries the KB would have offered for it, under the thanks */
      this.offered(b, reply.alternatives);
    } else if (reply.decision === "smalltalk") {
      b.appendChild(el("p", "", reply.message));
      if (reply.offer_human) this.humanChoice(b);
    } else if (reply.decision === "clarify") {
      b.appendChild(el("p", "", reply.message));
      this.choices(b, reply.alternatives);
    } else {
      b.appendChild(el("p", "", reply.message));
      /* a safety or legal matter the KB answers: what to do meanwhile, under the emergency message */
      if (reply.answer) {
        b.appendChild(el("div", "q", reply.answer.question));
        renderAnswer(b, reply.answer.answer);
      }
      /* a token only comes with a new ticket; without one the session's ticket is already being followed */
      if (reply.ticket_id && reply.ticket_token) this.track(reply.ticket_id, reply.ticket_token);
    }
    /* an answer or a handoff that also records feedback says so (a thank-you is the reply of decision feedback) */
    if (reply.decision !== "feedback" && reply.feedback_id) b.appendChild(el("div", "note", SAY("feedback.recorded")));
    if (reply.feedback_id && reply.feedback_token) this.trackFeedback(reply.feedback_id, reply.feedback_token);
    this.scroll();
  };

  /* Feedback the KB also offered choices for: a line that says so, and the choices. */
  Widget.prototype.offered = function (bubble, offered) {
    if (!offered || !offered.length) return;
    bubble.appendChild(el("div", "note", SAY("feedback.choices")));
    this.choices(bubble, offered);
  };

  /* 您是不是想问: the questions offered (a reply's alternatives, or a reloaded clarify turn's choices). */
  Widget.prototype.choices = function (bubble, offered) {
    var choices = el("div", "choices");
    offered.forEach(function (alt) {
      var c = el("button", "choice", alt.question);
      c.type = "button";
      c.addEventListener("click", this.ask.bind(this, alt.question));
      choices.appendChild(c);
    }, this);
    var other = el("button", "choice other", T("clarify_none"));
    other.type = "button";
    other.addEventListener("click", this.openHandoff.bind(this, null));
    choices.appendChild(other);
    bubble.appendChild(choices);
  };

  Widget.prototype.humanChoice = function (bubble, entryId, step) {
    var wrap = el("div", "choices");
    var btn = el("button", "choice", T("to_human"));
    btn.type = "button";
    btn.addEventListener("click", this.openHandoff.bind(this, entryId ? { entry_id: entryId, failed_step: step } : null));
    wrap.appendChild(btn);
    bubble.appendChild(wrap);
  };

  /* 相关问题: what users with this question often need next, one click away. */
  Widget.prototype.related = function (bubble, items) {
    if (!items.length) return;
    var box = el("div", "related");
    box.appendChild(el("div", "t", SAY("related")));
    items.forEach(function (item) {
      var link = el("button", "link", item.question);
      link.type = "button";
      link.addEventListener("click", this.ask.bind(this, item.question));
      box.appendChild(link);
    }, this);
    bubble.appendChild(box);
  };

  // ---- step by step ----------------------------------------------------------------------------------

  function steps(text) {
    var out = [];
    String(text).split(/\n+/).forEach(function (line) {
      var m = line.trim().match(STEP_LINE);
      if (m) out.push(m[2]);
    });
    return out;
  }

  Widget.prototype.stepButton = function (bubble, answer) {
    var row = el("div", "actions");
    var go = el("button", "pill step", T("step_mode"));
    go.type = "button";
    go.addEventListener("click", function () { go.disabled = true; this.step(answer, 0); }.bind(this));
    row.appendChild(go);
    bubble.appendChild(row);
  };

  /* One step at a time, with a check after each: 下一步, or 这一步做不了 (which offers a person, and the
     ticket records the step). */
  Widget.prototype.step = function (answer, i) {
    var list = steps(answer.answer);
    var b = this.add(T("bot_name"), "bot step-card");
    b.appendChild(el("div", "t", T("step_of", { step: i + 1, total: list.length })));
    b.appendChild(el("p", "", list[i]));
    var row = el("div", "actions");
    var last = i + 1 >= list.length;
    var next = el("button", "pill", last ? T("step_done") : T("step_next"));
    var stuck = el("button", "pill", T("step_stuck"));
    var self = this;
    next.type = stuck.type = "button";
    next.addEventListener("click", function () {
      next.disabled = stuck.disabled = true;
      if (last) self.add(T("bot_name"), "bot").appendChild(el("p", "", T("step_finished")));
      else self.step(answer, i + 1);
    });
    stuck.addEventListener("click", function () {
      next.disabled = stuck.disabled = true;
      var offer = self.add(T("bot_name"), "bot");
      offer.appendChild(el("p", "", T("step_stuck_offer")));
      self.humanChoice(offer, answer.id, i + 1);
    });
    row.appendChild(next);
    row.appendChild(stuck);
    b.appendChild(row);
    this.scroll();
  };

  Widget.prototype.feedback = function (bubble, entryId, offerHuman) {
    var row = el("div", "actions");
    row.appendChild(el("span", "", T("helpful_prompt")));
    var yes = el("button", "pill", T("helpful_yes"));
    var no = el("button", "pill", T("helpful_no"));
    var self = this;
    [yes, no].forEach(function (btn) {
      btn.type = "button";
      btn.addEventListener("click", function () {
        yes.disabled = no.disabled = true;
        btn.classList.add("on");
        call("POST", "/v1/feedback", { session_id: self.state.session, entry_id: entryId, helpful: btn === yes })
          .then(function (res) {
            if (res.offer_human && !self.state.ticket) self.offerHuman(res.message);
            else self.note(res.message);
          })
          .catch(function (err) { self.failed(err); });
      });
      row.appendChild(btn);
    });
    if (offerHuman) {
      var human = el("button", "pill", T("human_button"));
      human.type = "button";
      human.addEventListener("click", this.openHandoff.bind(this, null));
      row.appendChild(human);
    }
    bubble.appendChild(row);
  };

  Widget.prototype.offerHuman = function (text) {
    var b = this.add(T("bot_name"), "bot");
    b.appendChild(el("p", "", text));
    this.humanChoice(b);
  };

  /* The cancel and submit buttons under a form of the widget (转人工, 意见反馈); returns the submit button. */
  function formButtons(form, cancelled) {
    var row = el("div", "row");
    var cancel = el("button", "secondary", T("cancel"));
    cancel.type = "button";
    var submit = el("button", "primary", T("submit"));
    submit.type = "submit";
    row.appendChild(cancel);
    row.appendChild(submit);
    form.appendChild(row);
    cancel.addEventListener("click", function () { form.remove(); cancelled(); });
    return submit;
  }

  /* The 转人工 form: optional contact details and description. */
  Widget.prototype.openHandoff = function (where) {
    if (this.state.ticket && !this.state.ticket.done) {
      this.note(T("ticket_exists", { id: this.state.ticket.id }));
      return;
    }
    if (this.state.ticket) { this.stop(); this.forget(); }
    if (this.form) { this.form.querySelector("textarea").focus(); return; }
    var form = this.form = el("form", "handoff");
    form.appendChild(el("div", "t", T("handoff_title")));
    var desc = el("textarea");
    desc.rows = 3;
    desc.maxLength = 2000;
    desc.placeholder = T("handoff_desc_placeholder");
    var contact = el("input");
    contact.maxLength = 200;
    contact.placeholder = T("handoff_contact_placeholder");
    var l1 = el("label", "", T("handoff_desc_label"));
    l1.appendChild(desc);
    var l2 = el("label", "", T("handoff_contact_label"));
    l2.appendChild(contact);
    form.appendChild(l1);
    form.appendChild(l2);
    var self = this;
    var submit = formButtons(form, function () { self.form = null; });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      submit.disabled = true;
      var body = { session_id: self.state.session, channel: CHANNEL };
      if (where && where.entry_id) { body.entry_id = where.entry_id; body.failed_step = where.failed_step; }
      if (desc.value.trim()) body.description = desc.value.trim();
      if (contact.value.trim()) body.contact = contact.value.trim();
      call("POST", "/v1/tickets", body)
        .then(function (res) {
          form.remove();
          self.form = null;
          self.add(T("bot_name"), "bot").appendChild(el("p", "", res.message));
          if (res.ticket_token) self.track(res.ticket_id, res.ticket_token);
        })
        .catch(function (err) {
          submit.disabled = false;
          if (err.code === "invalid_question" || err.code === "session_not_found") self.note(T("describe_first"), true);
          else self.failed(err);
        });
    });
    this.log.appendChild(form);
    this.scroll();
    desc.focus();
  };

  // ---- following a ticket --------------------------------------------------------------------------------
  /* While a ticket is open, what the user types goes to the ticket (the agent sees it), not to the bot; the bar
     says so and has a way back to the bot (and back again). Updates arrive as server-sent events read with
     fetch (the token travels in a header); when no byte arrives (a buffering proxy) the widget polls. */

  Widget.prototype.track = function (id, token) {
    this.state.ticket = { id: id, token: token, seen: 0, mode: "ticket" };
    save(this.state);
    this.follow(false);
  };

  Widget.prototype.follow = function (resumed) {
    var t = this.state.ticket;
    this.seenReplies = t.seen || 0;
    t.done = false;  // a resolved ticket shows its rating again after a reload
    this.humanButton.disabled = true;
    if (resumed) this.note(T("ticket_resumed", { id: t.id }));
    this.listen();
  };

  Widget.prototype.inTicket = function () {
    var t = this.state.ticket;
    return !!(t && !t.done && t.mode !== "bot");
  };

  Widget.prototype.setMode = function (mode) {
    var t = this.state.ticket;
    if (!t) return;
    t.mode = mode;
    save(this.state);
    this.note(mode === "bot" ? T("bot_mode", { id: t.id }) : T("ticket_mode", { id: t.id }));
    if (this.last) this.bar(this.last);
    this.input.focus();
  };

  Widget.prototype.composerMode = function () {
    var ticket = this.inTicket();
    this.input.placeholder = ticket ? T("ticket_placeholder") : T("placeholder");
    this.attach.hidden = !ticket;
  };

  Widget.prototype.bar = function (ticket) {
    var t = this.state.ticket;
    var box = this.ticketBar;
    box.hidden = false;
    box.className = "ticket " + ticket.status + (this.inTicket() ? " routed" : "");
    box.textContent = "";
    var line = el("div", "line");
    line.appendChild(el("span", "dot"));
    line.appendChild(el("span", "status", T("ticket_bar", { id: ticket.id, status: ticket.status_text })));
    if (t && !t.done) {
      var toggle = el("button", "pill mode", t.mode === "bot" ? T("back_to_ticket") : T("back_to_bot"));
      toggle.type = "button";
      toggle.addEventListener("click", this.setMode.bind(this, t.mode === "bot" ? "ticket" : "bot"));
      line.appendChild(toggle);
    }
    box.appendChild(line);
    if (this.inTicket()) box.appendChild(el("div", "hint", T("ticket_mode", { id: ticket.id })));
    if (ticket.out_of_hours) box.appendChild(el("div", "hint hours", ticket.out_of_hours));
    var history = el("details", "history");
    history.appendChild(el("summary", "", T("history")));
    var list = el("ol");
    ticket.history.forEach(function (h) {
      var li = el("li");
      li.appendChild(el("span", "at", clock(h.at)));
      li.appendChild(document.createTextNode(h.text));
      list.appendChild(li);
    });
    history.appendChild(list);
    box.appendChild(history);
    this.composerMode();
    this.scroll();
  };

  function clock(iso) {
    var d = new Date(iso);
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  Widget.prototype.render = function (ticket) {
    var t = this.state.ticket;
    if (!t || t.id !== ticket.id) return;
    this.last = ticket;
    var replies = ticket.messages.filter(function (m) { return m.author === "agent"; });
    replies.slice(this.seenReplies).forEach(function (r) {
      this.add(T("agent_name"), "agent").textContent = r.text;
    }, this);
    this.seenReplies = t.seen = replies.length;
    if (ticket.status === "resolved" || ticket.status === "closed") {
      this.finish(ticket);
      return;
    }
    if (t.done) { t.done = false; this.humanButton.disabled = true; }
    this.bar(ticket);
    save(this.state);
  };

  Widget.prototype.finish = function (ticket) {
    var t = this.state.ticket;
    this.stop();
    var first = !t.done;
    t.done = true;
    save(this.state);
    this.humanButton.disabled = false;
    this.bar(ticket);
    if (!first) return;
    this.note(T("ticket_resolved", { id: ticket.id }));
    if (ticket.can_rate || ticket.can_reopen) this.rateCard(ticket);
    else this.forget();
  };

  Widget.prototype.forget = function () {
    this.state.ticket = null;
    save(this.state);
    this.composerMode();
  };

  /* After 已解决: a rating from 1 to 5 with an optional comment, and a way to reopen within the window. */
  Widget.prototype.rateCard = function (ticket) {
    var self = this;
    var b = this.add(T("bot_name"), "bot rate-card");
    var score = 0;
    var stars = el("div", "stars");
    var comment = el("textarea");
    comment.rows = 2;
    comment.maxLength = 1000;
    comment.placeholder = T("rate_comment_placeholder");
    var submit = el("button", "primary", T("rate_submit"));
    submit.type = "button";
    submit.disabled = true;
    if (ticket.can_rate) {
      b.appendChild(el("div", "t", T("rate_prompt")));
      [1, 2, 3, 4, 5].forEach(function (n) {
        var star = el("button", "star", "★");
        star.type = "button";
        star.title = T("rate_star", { n: n });
        star.setAttribute("aria-label", T("rate_star", { n: n }));
        star.addEventListener("click", function () {
          score = n;
          submit.disabled = false;
          Array.prototype.forEach.call(stars.children, function (s, k) { s.classList.toggle("on", k < n); });
        });
        stars.appendChild(star);
      });
      b.appendChild(stars);
      b.appendChild(comment);
    }
    var row = el("div", "actions");
    if (ticket.can_rate) row.appendChild(submit);
    if (ticket.can_reopen) {
      var reopen = el("button", "pill", T("reopen"));
      reopen.type = "button";
      reopen.addEventListener("click", function () {
        reopen.disabled = submit.disabled = true;
        self.ticketCall("POST", "/reopen", {}).then(function (res) {
          self.note(T("reopened", { id: res.id }));
          self.state.ticket.done = false;
          self.state.ticket.mode = "ticket";
          self.humanButton.disabled = true;
          self.render(res);
          self.listen();
        }).catch(function (err) { reopen.disabled = false; self.failed(err); });
      });
      row.appendChild(reopen);
    }
    submit.addEventListener("click", function () {
      var body = { score: score };
      if (comment.value.trim()) body.comment = comment.value.trim();
      submit.disabled = true;
      self.ticketCall("POST", "/rating", body).then(function () {
        b.textContent = "";
        b.appendChild(el("p", "", SAY("ticket.rated")));
        self.forget();
      }).catch(function (err) { submit.disabled = false; self.failed(err); });
    });
    b.appendChild(row);
    this.scroll();
  };

  Widget.prototype.ticketCall = function (method, tail, body) {
    var t = this.state.ticket;
    return call(method, "/v1/tickets/" + encodeURIComponent(t.id) + tail, body, { "X-Ticket-Token": t.token });
  };

  Widget.prototype.sendToTicket = function (text) {
    var self = this;
    this.busy = true;
    this.send.disabled = true;
    this.input.value = "";
    this.count();
    this.add("", "me").textContent = text;
    this.ticketCall("POST", "/messages", { text: text })
      .then(function (ticket) { self.render(ticket); })
      .catch(function (err) {
        if (err.status === 409) self.poll();
        self.failed(err);
      })
      .then(function () { self.busy = false; self.send.disabled = false; self.input.focus(); });
  };

  /* A screenshot for the agent: the bytes go as they are (the service tells the type from them). */
  Widget.prototype.upload = function (file) {
    var t = this.state.ticket;
    if (!file || !t) return;
    var self = this;
    var shot = this.add("", "me");
    var img = el("img", "shot");
    img.alt = file.name;
    img.src = URL.createObjectURL(file);
    shot.appendChild(img);
    fetch(API + "/v1/tickets/" + encodeURIComponent(t.id) + "/attachments", {
      method: "POST", body: file,
      headers: { Accept: "application/json", "Content-Type": "application/octet-stream", "X-Ticket-Token": t.token },
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) throw Object.assign(new Error(data.detail || r.statusText), { code: data.code, status: r.status });
        self.note(T("attach_sent"));
      });
    }).catch(function (err) {
      shot.parentNode.remove();
      var code = err.code === "payload_too_large" ? "attachment_too_large" : err.code;
      self.note(VOICE.widget["error." + code] || T("error.network"), true);
    });
  };

  Widget.prototype.stop = function () {
    clearTimeout(this.timer);
    if (this.stream) { this.stream.abort(); this.stream = null; }
  };

  Widget.prototype.listen = function () {
    var t = this.state.ticket;
    if (!t) return;
    var self = this;
    this.stop();
    var ctrl = this.stream = stream("/v1/tickets/" + encodeURIComponent(t.id) + "/stream", { "X-Ticket-Token": t.token },
      function (event, ticket) { if (event === "ticket") self.render(ticket); },
      function (worked, err) {
        if (self.stream !== ctrl) return;  // stopped, or replaced by a newer stream
        self.stream = null;
        if (!self.state.ticket || self.state.ticket.done) return;
        if (err && err.status === 404) { self.lost(); return; }
        if (worked) self.listen();  // the stream ended after its time: reconnect
        else self.poll(true);
      });
  };

  Widget.prototype.lost = function () {  // the ticket is gone (or the token is stale): stop following it
    this.stop();
    this.forget();
    this.humanButton.disabled = false;
    this.ticketBar.hidden = true;
  };

  /* The fallback: poll, and try the stream again now and then. */
  Widget.prototype.poll = function (fallback) {
    var t = this.state.ticket;
    if (!t) return;
    var self = this;
    clearTimeout(this.timer);
    if (fallback) this.retryStreamAt = Date.now() + 60000;
    this.ticketCall("GET", "", undefined)
      .then(function (ticket) {
        self.render(ticket);
        if (!self.state.ticket || self.state.ticket.done) return;
        if (self.retryStreamAt && Date.now() > self.retryStreamAt) { self.retryStreamAt = 0; self.listen(); return; }
        self.timer = setTimeout(self.poll.bind(self, false), POLL_MS);
      })
      .catch(function (err) {
        if (err.status === 404) { self.lost(); return; }
        self.timer = setTimeout(self.poll.bind(self, false), Math.max(POLL_MS, (err.retryAfter || 0) * 1000));
      });
  };

  /* Server-sent events over fetch: onEvent(name, data) for each event; done(worked, err) when the stream ends
     (worked: bytes arrived). Nothing within STREAM_WAIT_MS (a buffering proxy) aborts it. */
  function stream(path, headers, onEvent, done) {
    var ctrl = new AbortController();
    var worked = false;
    var guard = setTimeout(function () { if (!worked) ctrl.abort(); }, STREAM_WAIT_MS);
    fetch(API + path, { headers: Object.assign({ Accept: "text/event-stream" }, headers), signal: ctrl.signal })
      .then(function (r) {
        if (!r.ok || !r.body) throw Object.assign(new Error(r.statusText), { status: r.status });
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
              var name = "message";
              var data = "";
              block.split("\n").forEach(function (line) {
                if (line.indexOf("event: ") === 0) name = line.slice(7);
                else if (line.indexOf("data: ") === 0) data += line.slice(6);
              });
              if (data) onEvent(name, JSON.parse(data));
            });
            return pump();
          });
        }
        return pump();
      })
      .then(function () { clearTimeout(guard); done(worked, null); },
        function (err) { clearTimeout(guard); if (err.name !== "AbortError" || !worked) done(worked, err); });
    return ctrl;
  }


  // ---- feedback: the 意见反馈 form, and the status of the user's items ------------------------------------

  /* A screenshot is shrunk in the browser (JPEG, at most SHOT_PX on a side) to fit the service's body limit. */
  var SHOT_BYTES = 10 * 1024 * 1024, SHOT_PX = 720, SHOT_CHARS = 40000;

  Widget.prototype.openFeedback = function () {
    if (this.feedbackForm) { this.feedbackForm.querySelector("textarea").focus(); return; }
    var form = this.feedbackForm = el("form", "handoff feedback-form");
    form.appendChild(el("div", "t", T("feedback_title")));
    var text = el("textarea");
    text.rows = 3;
    text.maxLength = VOICE.max;
    text.placeholder = T("feedback_text_placeholder");
    var shot = el("input");
    shot.type = "file";
    shot.accept = "image/png,image/jpeg,image/webp";
    var contact = el("input");
    contact.maxLength = 200;
    contact.placeholder = T("handoff_contact_placeholder");
    [["feedback_text_label", text], ["feedback_shot_label", shot], ["feedback_contact_label", contact]]
      .forEach(function (pair) { var l = el("label", "", T(pair[0])); l.appendChild(pair[1]); form.appendChild(l); });
    var self = this;
    var submit = formButtons(form, function () { self.feedbackForm = null; });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (!text.value.trim()) { self.note(T("feedback_empty"), true); return; }
      var file = shot.files && shot.files[0];
      if (file && file.size > SHOT_BYTES) { self.note(T("error.screenshot_too_large"), true); return; }
      submit.disabled = true;
      readImage(file).then(function (data) {
        var body = { text: text.value.trim(), session_id: self.state.session, channel: CHANNEL };
        if (data) body.screenshot = data;
        if (contact.value.trim()) body.contact = contact.value.trim();
        return call("POST", "/v1/feedback/items", body);
      }).then(function (res) {
        form.remove();
        self.feedbackForm = null;
        self.add(T("bot_name"), "bot").appendChild(el("p", "", res.message));
        self.trackFeedback(res.feedback_id, res.feedback_token);
      }).catch(function (err) { submit.disabled = false; self.failed(err); });
    });
    this.log.appendChild(form);
    this.scroll();
    text.focus();
  };

  function readImage(file) {
    return new Promise(function (resolve, reject) {
      if (!file) { resolve(null); return; }
      var reader = new FileReader();
      reader.onerror = function () { reject(reader.error); };
      reader.onload = function () {
        var img = new Image();
        img.onerror = function () { resolve(null); };
        img.onload = function () {
          var scale = Math.min(1, SHOT_PX / Math.max(img.width, img.height));
          var canvas = document.createElement("canvas");
          canvas.width = Math.max(1, Math.round(img.width * scale));
          canvas.height = Math.max(1, Math.round(img.height * scale));
          canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
          var q = 0.7, data = canvas.toDataURL("image/jpeg", q);
          while (data.length > SHOT_CHARS && q > 0.2) { q -= 0.15; data = canvas.toDataURL("image/jpeg", q); }
          resolve(data.length > SHOT_CHARS ? null : data);
        };
        img.src = reader.result;
      };
      reader.readAsDataURL(file);
    });
  }

  Widget.prototype.trackFeedback = function (id, token) {
    this.state.feedback = { id: id, token: token, status: "received" };
    save(this.state);
    this.pollFeedback();
  };

  /* The latest item's status, shown in a bar; when the product team moves its topic on, the user is told. */
  Widget.prototype.pollFeedback = function () {
    var f = this.state.feedback;
    if (!f) return;
    var self = this;
    clearTimeout(this.feedbackTimer);
    call("GET", "/v1/feedback/items/" + encodeURIComponent(f.id), undefined, { "X-Feedback-Token": f.token })
      .then(function (item) {
        self.feedbackBar.hidden = false;
        self.feedbackBar.className = "feedback-bar " + item.status;
        self.feedbackBar.textContent = "";
        self.feedbackBar.appendChild(el("span", "dot"));
        self.feedbackBar.appendChild(el("span", "", T("feedback_bar", { id: item.id, status: item.status_text })));
        if (item.status !== f.status) {
          self.add(T("bot_name"), "bot").appendChild(el("p", "", T("feedback_update",
            { id: item.id, status: item.status_text })));
          self.scroll();
          f.status = item.status;
          save(self.state);
        }
        self.feedbackTimer = setTimeout(self.pollFeedback.bind(self), POLL_MS);
      })
      .catch(function (err) {
        if (err.status === 404) { self.state.feedback = null; save(self.state); self.feedbackBar.hidden = true; return; }
        self.feedbackTimer = setTimeout(self.pollFeedback.bind(self), Math.max(POLL_MS, (err.retryAfter || 0) * 1000));
      });
  };

  // ---- mount ---------------------------------------------------------------------------------------------

  function mount() {
    var host = TARGET ? document.querySelector(TARGET) : null;
    if (!host) {
      host = document.createElement("div");
      host.id = "faq-widget";
      document.body.appendChild(host);
    }
    /* the texts first: the widget speaks in the KB's voice, and waits for it (retrying while the service
       starts up or reloads its index) */
    function start() {
      call("GET", "/v1/voice?channel=" + CHANNEL)
        .then(function (v) {
          VOICE = { widget: v.widget, say: v.say, max: v.max_question_chars || 500 };
          window.faqWidget = new Widget(host);
        })
        .catch(function () { setTimeout(start, 3000); });
    }
    start();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
  else mount();
})();
