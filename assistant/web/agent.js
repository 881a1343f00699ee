/* The agent console: sign in with a key, work the queue, answer users. All text goes in with textContent. */
(function () {
  "use strict";

  var KEY = "faq-agent-key";
  var REFRESH_MS = 8000;
  var STATUS = { open: "排队中", claimed: "处理中", resolved: "已解决" };
  var SOURCE = { bot: "机器人转接", user: "用户申请" };
  var ACTION = { create: "创建", claim: "认领", reply: "回复", transfer: "转接", release: "释放", merge: "合并" };
  var DECISION = { answer: "已回答", clarify: "追问", handoff: "转人工" };
  var TEAM = { account: "账号", "content-review": "内容审核", live: "直播", payments: "支付", safety: "安全",
    creator: "创作者", product: "产品" };

  var state = { key: sessionStorage.getItem(KEY), me: null, selected: null, ticket: null, timer: null };
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function team(name) { return TEAM[name] ? TEAM[name] + "（" + name + "）" : name; }
  var ACTOR = { bot: "机器人", user: "用户", migration: "系统" };
  var REASONS = [
    [/^confidence ([\d.]+) below the clarify threshold ([\d.]+)/, "机器人置信度 $1，低于追问阈值 $2"],
    [/^the user asked for a person \(「(.+)」\)/, "用户要求转人工（「$1」）"],
    [/^the user asked for a person$/, "用户点击了「转人工」"],
    [/^the question mentions「(.+)」/, "涉及安全或法律（「$1」），优先转人工"],
    [/^nothing in the KB matches$/, "知识库中没有相关条目"],
  ];

  function pct(x) {
    if (x === null || x === undefined) return "—";
    return x > 0 && x < 0.01 ? "<1%" : Math.round(x * 100) + "%";
  }

  function reason(text) {
    for (var i = 0; i < REASONS.length; i++) {
      if (REASONS[i][0].test(text)) return text.replace(REASONS[i][0], REASONS[i][1]);
    }
    return text;
  }

  function time(iso) {
    var d = new Date(iso);
    var p = function (n) { return ("0" + n).slice(-2); };
    return p(d.getMonth() + 1) + "-" + p(d.getDate()) + " " + p(d.getHours()) + ":" + p(d.getMinutes());
  }

  function age(seconds) {
    if (seconds < 60) return "刚刚";
    if (seconds < 3600) return Math.floor(seconds / 60) + " 分钟前";
    if (seconds < 86400) return Math.floor(seconds / 3600) + " 小时前";
    return Math.floor(seconds / 86400) + " 天前";
  }

  function api(method, path, body) {
    var init = { method: method, headers: { Accept: "application/json", Authorization: "Bearer " + state.key } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (r.status === 401) { signOut("密钥无效或已被吊销，请重新登录。"); }
        if (!r.ok) {
          var err = new Error(data.detail || r.statusText);
          err.code = data.code;
          err.status = r.status;
          throw err;
        }
        return data;
      });
    });
  }

  // ---- sign in -------------------------------------------------------------------------------------------

  function signIn(key) {
    state.key = key;
    return api("GET", "/v1/agent/me").then(function (me) {
      sessionStorage.setItem(KEY, key);
      state.me = me;
      $("who").textContent = me.name + " · " + (me.role === "admin" ? "管理员" : "客服");
      [$("f-team"), $("transfer-team")].forEach(function (select, n) {
        select.textContent = "";
        if (n === 0) select.appendChild(new Option("全部团队", ""));
        me.teams.forEach(function (t) { select.appendChild(new Option(team(t), t)); });
      });
      $("signin").hidden = true;
      $("console").hidden = false;
      loadQueue();
    });
  }

  function signOut(message) {
    sessionStorage.removeItem(KEY);
    clearTimeout(state.timer);
    state.key = null;
    $("console").hidden = true;
    $("signin").hidden = false;
    $("signin-error").hidden = !message;
    $("signin-error").textContent = message || "";
  }

  $("signin-form").addEventListener("submit", function (e) {
    e.preventDefault();
    signIn($("key").value.trim()).catch(function (err) {
      if (err.status !== 401) signOut("无法登录：" + err.message);
    });
  });
  $("signout").addEventListener("click", function () { signOut(""); });

  // ---- the queue -----------------------------------------------------------------------------------------

  function loadQueue() {
    clearTimeout(state.timer);
    var q = "?status=" + encodeURIComponent($("f-status").value);
    if ($("f-team").value) q += "&team=" + encodeURIComponent($("f-team").value);
    return api("GET", "/v1/agent/tickets" + q).then(function (queue) {
      var list = $("queue");
      list.textContent = "";
      $("queue-count").textContent = "共 " + queue.count + " 个工单（最早的在前）";
      queue.tickets.forEach(function (t) {
        var li = el("li", t.id === state.selected ? "selected" : "");
        li.dataset.id = t.id;
        li.appendChild(el("div", "q", "#" + t.id + " " + t.question));
        var meta = el("div", "meta");
        var badge = el("span", "badge " + t.status, STATUS[t.status] || t.status);
        meta.appendChild(badge);
        meta.appendChild(el("span", "", team(t.team)));
        meta.appendChild(el("span", "", age(t.age_seconds)));
        meta.appendChild(el("span", "", "置信度 " + pct(t.confidence)));
        if (t.assignee) meta.appendChild(el("span", "", "处理人 " + t.assignee));
        li.appendChild(meta);
        li.addEventListener("click", function () { select(t.id); });
        list.appendChild(li);
      });
    }).catch(function () { /* shown on the next successful refresh */ }).then(function () {
      if (state.key) state.timer = setTimeout(loadQueue, REFRESH_MS);
    });
  }

  $("f-status").addEventListener("change", loadQueue);
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
    state.ticket = t;
    $("empty").hidden = true;
    $("ticket").hidden = false;
    $("t-title").textContent = "#" + t.id + " " + t.question;
    var badge = $("t-status");
    badge.className = "badge " + t.status;
    badge.textContent = STATUS[t.status] || t.status;
    var dl = $("t-info");
    dl.textContent = "";
    info(dl, "团队", team(t.team));
    info(dl, "来源", (SOURCE[t.source] || t.source) + " · " + t.channel);
    info(dl, "置信度", pct(t.confidence));
    info(dl, "处理人", t.assignee);
    info(dl, "联系方式", t.contact);
    info(dl, "创建时间", time(t.created_at) + "（" + age(t.age_seconds) + "）");
    info(dl, "问题描述", t.description);
    info(dl, "转人工原因", reason(t.reason));

    var conv = $("t-conversation");
    conv.textContent = "";
    if (!t.conversation.length) conv.appendChild(el("li", "muted", "没有对话记录"));
    t.conversation.forEach(function (turn) {
      var li = el("li");
      li.appendChild(el("div", "u", "用户：" + turn.question));
      li.appendChild(el("div", "b", "机器人（" + (DECISION[turn.decision] || turn.decision) + "，置信度 "
        + pct(turn.confidence) + "）：" + turn.answer));
      conv.appendChild(li);
    });
    suggestions($("t-suggestions"), t.suggestions, "没有建议");

    var mine = t.status === "claimed" && (t.assignee === state.me.name || state.me.role === "admin");
    $("claim").disabled = t.status !== "open";
    $("release").disabled = !mine;
    $("transfer").disabled = $("transfer-team").disabled = !(t.status === "open" || mine);
    $("send").disabled = !mine;
    $("reply").disabled = !mine;
    $("reply").placeholder = mine ? "回复内容会直接显示给用户"
      : t.status === "resolved" ? "工单已解决"
        : t.status === "claimed" ? "该工单由 " + t.assignee + " 处理中" : "请先认领工单，再回复用户";

    var events = $("t-events");
    events.textContent = "";
    (t.events || []).forEach(function (e) {
      var li = el("li");
      li.appendChild(el("span", "t", time(e.at)));
      var text = (ACTOR[e.actor] || e.actor) + " " + (ACTION[e.action] || e.action) + (e.to_status ? " → " + (STATUS[e.to_status] || e.to_status) : "");
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
      head.appendChild(el("span", "score", pct(s.score)));
      var insert = el("button", "ghost", "插入");
      insert.type = "button";
      insert.addEventListener("click", function () {
        var area = $("reply");
        if (area.disabled) { message("请先认领工单，再插入回复。", true); return; }
        area.value = area.value ? area.value + "\n" + s.answer : s.answer;
        area.focus();
      });
      head.appendChild(insert);
      card.appendChild(head);
      card.appendChild(el("div", "m", "匹配问法：" + s.matched_question));
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
        show(t);
        message(done);
        loadQueue();
      })
      .catch(function (err) {
        message(err.status === 409 ? "操作失败：工单状态已变化（" + err.message + "）" : "操作失败：" + err.message, true);
        if (state.ticket) select(state.ticket.id);
      });
  }

  $("claim").addEventListener("click", function () { step("claim", undefined, "已认领，您现在可以回复用户。"); });
  $("release").addEventListener("click", function () { step("release", undefined, "已释放，工单回到队列。"); });
  $("transfer").addEventListener("click", function () {
    var to = $("transfer-team").value;
    step("transfer", { team: to }, "已转接到 " + team(to) + "。");
  });
  $("reply-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var text = $("reply").value.trim();
    if (!text) { message("回复内容不能为空。", true); return; }
    var keep = $("keep-open").checked;
    step("reply", { text: text, keep_open: keep }, keep ? "回复已发送，工单保持打开。" : "回复已发送，工单已解决。");
  });

  // ---- suggested answers for any question ----------------------------------------------------------------

  $("search-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var q = $("search").value.trim();
    if (!q) return;
    api("GET", "/v1/agent/suggest?k=5&q=" + encodeURIComponent(q))
      .then(function (res) { suggestions($("search-results"), res.suggestions, "没有找到相关答案"); })
      .catch(function (err) { suggestions($("search-results"), [], "搜索失败：" + err.message); });
  });

  if (state.key) signIn(state.key).catch(function () { signOut(""); });
})();
