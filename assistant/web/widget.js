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
  var STATUS = { open: "排队中，等待客服接入", claimed: "客服正在处理", resolved: "已解决" };
  var ERRORS = {
    invalid_question: "请输入一个有效的问题（不超过 500 字）。",
    invalid_request: "请输入一个有效的问题（不超过 500 字）。",
    rate_limited: "提问太频繁了，请稍后再试。",
    payload_too_large: "内容太长了，请精简后再发送。",
    index_unavailable: "客服系统正在更新，请稍后再试。",
  };

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

  /* Answers carry numbered steps ("1. ...", "2、..."): show them as a list, other lines as paragraphs. */
  function renderAnswer(container, text) {
    var list = null;
    String(text).split(/\n+/).forEach(function (line) {
      line = line.trim();
      if (!line) return;
      var step = line.match(/^(\d+)\s*[.、．)）]\s*(.*)$/);
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
    this.busy = false;
    this.build(host);
    this.greet();
    if (this.state.ticket) this.follow(true);
  }

  Widget.prototype.build = function (host) {
    var shadow = host.attachShadow({ mode: "open" });
    var css = el("link");
    css.rel = "stylesheet";
    css.href = API + "/static/widget.css";
    shadow.appendChild(css);
    var root = this.root = el("div", "root " + (MODE === "page" ? "page" : "floating closed"));
    var panel = el("div", "panel");
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", "智能客服");

    var header = el("header");
    header.appendChild(el("div", "avatar", "客"));
    var heading = el("div", "heading");
    heading.appendChild(el("div", "title", "智能客服"));
    heading.appendChild(el("div", "subtitle", "7×24 小时在线 · 复杂问题可转人工"));
    header.appendChild(heading);
    this.humanButton = el("button", "human", "转人工");
    this.humanButton.type = "button";
    this.humanButton.addEventListener("click", this.openHandoff.bind(this, ""));
    header.appendChild(this.humanButton);
    if (MODE !== "page") {
      var close = el("button", "close", "×");
      close.type = "button";
      close.setAttribute("aria-label", "关闭");
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

    var form = el("form", "composer");
    this.input = el("textarea");
    this.input.placeholder = "请输入您的问题，例如：忘记密码怎么办";
    this.input.maxLength = 500;
    this.input.setAttribute("aria-label", "您的问题");
    this.input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
    });
    this.send = el("button", "primary", "发送");
    this.send.type = "submit";
    form.appendChild(this.input);
    form.appendChild(this.send);
    form.addEventListener("submit", function (e) { e.preventDefault(); this.ask(this.input.value); }.bind(this));
    panel.appendChild(form);
    root.appendChild(panel);

    if (MODE !== "page") {
      var launcher = el("button", "launcher", "在线客服");
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
    var b = this.add("智能客服", "bot");
    b.appendChild(el("p", "", "您好！我是智能客服，请直接输入您遇到的问题，我会尽力为您解答。"));
    b.appendChild(el("p", "", "如果需要人工帮助，随时点击右上角的「转人工」。"));
  };

  Widget.prototype.failed = function (err) {
    if (err && err.code === "rate_limited" && err.retryAfter) {
      this.note("提问太频繁了，请 " + err.retryAfter + " 秒后再试。", true);
    } else {
      this.note((err && ERRORS[err.code]) || "网络异常，请稍后再试。", true);
    }
  };

  Widget.prototype.ask = function (text) {
    text = (text || "").trim();
    if (!text || this.busy) return;
    this.busy = true;
    this.send.disabled = true;
    this.input.value = "";
    this.add("", "me").textContent = text;
    var typing = this.add("智能客服", "bot typing");
    typing.textContent = "正在思考…";
    var self = this;
    call("POST", "/v1/ask", { question: text, session_id: this.state.session, channel: MODE === "page" ? "web" : "embed" })
      .then(function (reply) { typing.parentNode.remove(); self.show(reply); })
      .catch(function (err) { typing.parentNode.remove(); self.failed(err); })
      .then(function () { self.busy = false; self.send.disabled = false; self.input.focus(); });
  };

  Widget.prototype.show = function (reply) {
    var b = this.add("智能客服", "bot");
    if (reply.decision === "answer" && reply.answer) {
      b.appendChild(el("div", "q", reply.answer.question));
      renderAnswer(b, reply.answer.answer);
      if (reply.message) b.appendChild(el("div", "note", reply.message));
      this.feedback(b, reply.answer.id, reply.offer_human);
    } else if (reply.decision === "clarify") {
      b.appendChild(el("p", "", "您是不是想问："));
      var choices = el("div", "choices");
      reply.alternatives.forEach(function (alt) {
        var c = el("button", "choice", alt.question);
        c.type = "button";
        c.addEventListener("click", this.ask.bind(this, alt.question));
        choices.appendChild(c);
      }, this);
      var other = el("button", "choice other", "都不是，转人工客服");
      other.type = "button";
      other.addEventListener("click", this.openHandoff.bind(this, ""));
      choices.appendChild(other);
      b.appendChild(choices);
    } else {
      b.appendChild(el("p", "", reply.message));
      if (reply.ticket_id) this.track(reply.ticket_id, reply.ticket_token);
    }
    this.scroll();
  };

  Widget.prototype.feedback = function (bubble, entryId, offerHuman) {
    var row = el("div", "actions");
    row.appendChild(el("span", "", "这个回答有帮助吗？"));
    var yes = el("button", "pill", "有帮助");
    var no = el("button", "pill", "没帮助");
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
      var human = el("button", "pill", "转人工");
      human.type = "button";
      human.addEventListener("click", this.openHandoff.bind(this, ""));
      row.appendChild(human);
    }
    bubble.appendChild(row);
  };

  Widget.prototype.offerHuman = function (text) {
    var b = this.add("智能客服", "bot");
    b.appendChild(el("p", "", text));
    var btn = el("button", "choice", "转人工客服");
    btn.type = "button";
    btn.addEventListener("click", this.openHandoff.bind(this, ""));
    var wrap = el("div", "choices");
    wrap.appendChild(btn);
    b.appendChild(wrap);
  };

  /* The 转人工 form: optional contact details and description. */
  Widget.prototype.openHandoff = function () {
    if (this.state.ticket) { this.note("您已有工单 #" + this.state.ticket.id + " 正在处理中，客服回复会显示在这里。"); return; }
    if (this.form) { this.form.querySelector("textarea").focus(); return; }
    var form = this.form = el("form", "handoff");
    form.appendChild(el("div", "t", "转接人工客服"));
    var desc = el("textarea");
    desc.rows = 3;
    desc.maxLength = 2000;
    desc.placeholder = "请简单描述您遇到的问题（已提问过可不填）";
    var contact = el("input");
    contact.maxLength = 200;
    contact.placeholder = "手机号或邮箱，方便客服联系您";
    var l1 = el("label", "", "问题描述（选填）");
    l1.appendChild(desc);
    var l2 = el("label", "", "联系方式（选填）");
    l2.appendChild(contact);
    form.appendChild(l1);
    form.appendChild(l2);
    var row = el("div", "row");
    var cancel = el("button", "secondary", "取消");
    cancel.type = "button";
    var submit = el("button", "primary", "提交");
    submit.type = "submit";
    row.appendChild(cancel);
    row.appendChild(submit);
    form.appendChild(row);
    var self = this;
    cancel.addEventListener("click", function () { form.remove(); self.form = null; });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      submit.disabled = true;
      var body = { session_id: self.state.session, channel: MODE === "page" ? "web" : "embed" };
      if (desc.value.trim()) body.description = desc.value.trim();
      if (contact.value.trim()) body.contact = contact.value.trim();
      call("POST", "/v1/tickets", body)
        .then(function (res) {
          form.remove();
          self.form = null;
          self.add("智能客服", "bot").appendChild(el("p", "", res.message));
          if (res.ticket_token) self.track(res.ticket_id, res.ticket_token);
        })
        .catch(function (err) {
          submit.disabled = false;
          if (err.code === "invalid_question" || err.code === "session_not_found") self.note("请先简单描述一下您的问题。", true);
          else self.failed(err);
        });
    });
    this.log.appendChild(form);
    this.scroll();
    desc.focus();
  };

  // ---- following a ticket --------------------------------------------------------------------------------

  Widget.prototype.track = function (id, token) {
    this.state.ticket = { id: id, token: token, seen: 0 };
    save(this.state);
    this.follow(false);
  };

  Widget.prototype.follow = function (resumed) {
    var t = this.state.ticket;
    this.seenReplies = t.seen || 0;
    this.humanButton.disabled = true;
    this.bar(t.id, "open");
    if (resumed) this.note("您有一个进行中的工单 #" + t.id + "，客服回复后会显示在这里。");
    this.poll();
  };

  Widget.prototype.bar = function (id, status) {
    this.ticketBar.hidden = false;
    this.ticketBar.className = "ticket " + status;
    this.ticketBar.textContent = "";
    this.ticketBar.appendChild(el("span", "dot"));
    this.ticketBar.appendChild(el("span", "", "工单 #" + id + " · " + (STATUS[status] || status)));
  };

  Widget.prototype.poll = function () {
    var t = this.state.ticket;
    if (!t) return;
    var self = this;
    clearTimeout(this.timer);
    call("GET", "/v1/tickets/" + encodeURIComponent(t.id), undefined, { "X-Ticket-Token": t.token })
      .then(function (ticket) {
        self.bar(ticket.id, ticket.status);
        ticket.replies.slice(self.seenReplies).forEach(function (r) {
          self.add("人工客服", "agent").textContent = r.text;
        });
        self.seenReplies = ticket.replies.length;
        if (ticket.status === "resolved") {
          self.note("工单 #" + ticket.id + " 已解决。还有其他问题可以继续提问。");
          self.state.ticket = null;
          self.humanButton.disabled = false;
          save(self.state);
          return;
        }
        t.seen = self.seenReplies;
        save(self.state);
        self.timer = setTimeout(self.poll.bind(self), POLL_MS);
      })
      .catch(function (err) {
        if (err.status === 404) {  // the ticket is gone (or the token is stale): stop following it
          self.state.ticket = null;
          self.humanButton.disabled = false;
          save(self.state);
          self.ticketBar.hidden = true;
          return;
        }
        self.timer = setTimeout(self.poll.bind(self), Math.max(POLL_MS, (err.retryAfter || 0) * 1000));
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
    window.faqWidget = new Widget(host);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
  else mount();
})();
