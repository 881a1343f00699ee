/* The product board: feedback topics by volume and trend, filters, a topic's status, CSV export. Sign in with a
   key of role product (or admin). All text goes in with textContent; every label comes from the voice. */
(function () {
  "use strict";

  var K = window.FAQ_CONSOLE;
  var C = K.C, $ = K.$, el = K.el, time = K.time;
  var CATEGORIES = ["feature_request", "bug", "complaint", "praise", "other"];
  var AREAS = ["live", "video", "creator", "search", "recommendation", "account", "payments", "shopping", "messages",
    "privacy", "app", "service", "other"];
  var STATUSES = ["received", "reviewing", "planned", "shipped", "declined"];
  var session = K.session({
    storage: "faq-product-key", pane: "board", me: "/v1/product/me",
    signedIn: function (me) {
      $("who").textContent = me.name + " · " + C("role." + me.role);
      load();
    },
    failed: function () { return C("key_invalid"); },
  });
  var api = session.api, signOut = session.signOut;

  function options(select, values, prefix, all) {
    select.textContent = "";
    if (all) select.appendChild(new Option(C("product.all") + " · " + C(all), ""));
    values.forEach(function (v) { select.appendChild(new Option(prefix ? C(prefix + v) : v, v)); });
  }

  function load() {
    var q = new URLSearchParams();
    ["category", "area", "status"].forEach(function (f) { var v = $("f-" + f).value; if (v) q.set(f, v); });
    q.set("sort", $("f-sort").value);
    return api("GET", "/v1/product/topics?" + q.toString()).then(function (res) {
      $("count").textContent = C("product.topics_count", { n: res.topics.length });
      var box = $("topics");
      box.textContent = "";
      if (!res.topics.length) box.appendChild(el("p", "muted", C("product.no_topics")));
      res.topics.forEach(function (t) { box.appendChild(card(t)); });
    }).catch(function (err) {
      if (err.status === 401 || err.status === 403) signOut(err.status === 403 ? C("product.role_needed") : C("key_invalid"));
      else say(C("failed", { detail: err.message }));
    });
  }

  function card(t) {
    var c = el("article", "topic");
    c.dataset.topic = t.id;
    var head = el("div", "meta");
    head.appendChild(el("span", "reports", C("product.reports", { n: t.reports })));
    if (t.spike) head.appendChild(el("span", "spike", C("product.spike")));
    head.appendChild(el("span", "status " + t.status, C("fstatus." + t.status)));
    c.appendChild(head);
    c.appendChild(el("h2", "", t.title));
    var meta = el("div", "meta");
    [C("category." + t.category), C("area." + t.area), C("product.trend", { recent: t.recent, before: t.before }),
      C("product.first_seen") + " " + time(t.first_seen), C("product.last_seen") + " " + time(t.last_seen)]
      .forEach(function (s) { meta.appendChild(el("span", "", s)); });
    c.appendChild(meta);
    var bars = el("div", "bars");
    bars.title = C("product.by_day");
    var top = Math.max.apply(null, Object.values(t.by_day).concat([1]));
    Object.keys(t.by_day).forEach(function (d) {
      var b = el("span");
      b.style.height = Math.round(34 * t.by_day[d] / top) + "px";
      b.title = d + " · " + t.by_day[d];
      bars.appendChild(b);
    });
    c.appendChild(bars);
    var ul = el("ul", "samples");
    t.samples.forEach(function (s) { ul.appendChild(el("li", "", s)); });
    c.appendChild(ul);
    if (t.status_by) c.appendChild(el("div", "history", C("product.history",
      { who: t.status_by, at: time(t.status_at), status: C("fstatus." + t.status) })));
    c.appendChild(actions(t));
    return c;
  }

  function actions(t) {
    var row = el("div", "actions");
    var pick = el("select", "set-status");
    options(pick, STATUSES, "fstatus.");
    pick.value = t.status;
    var set = el("button", "primary", C("product.set_status"));
    set.type = "button";
    set.addEventListener("click", function () {
      api("POST", "/v1/product/topics/" + t.id + "/status", { status: pick.value }).then(function (res) {
        say(C("product.status_set", { status: C("fstatus." + res.topic.status), n: res.items_updated }));
        load();
      }).catch(function (err) { say(C("failed", { detail: err.message })); });
    });
    var csv = el("button", "ghost", C("product.export"));
    csv.type = "button";
    csv.addEventListener("click", function () {
      api("GET", "/v1/product/topics/" + t.id + "/export.csv", undefined, true).then(function (text) {
        var a = el("a");
        a.href = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
        a.download = "topic-" + t.id + ".csv";
        a.click();
      });
    });
    row.appendChild(set);
    row.appendChild(pick);
    row.appendChild(csv);
    return row;
  }

  function say(text) { var m = $("message"); m.hidden = false; m.textContent = text; }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-c]"), function (n) { n.textContent = C(n.dataset.c); });
    options($("f-category"), CATEGORIES, "category.", "field.category");
    options($("f-area"), AREAS, "area.", "field.area");
    options($("f-status"), STATUSES, "fstatus.", "field.status");
    options($("f-sort"), ["volume", "trend"], "");
    $("f-sort").options[0].textContent = C("product.sort_volume");
    $("f-sort").options[1].textContent = C("product.sort_trend");
    ["f-category", "f-area", "f-status", "f-sort"].forEach(function (id) { $(id).addEventListener("change", load); });
    $("refresh").addEventListener("click", load);
    session.wire();
    session.resume(C("key_invalid"));
  }

  K.voice(start);
})();
