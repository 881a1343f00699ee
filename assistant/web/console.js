/* What the console pages (agent, admin, product) share: the voice, small DOM helpers, the API with the page's
   key, sign-in and sign-out. A plain script loaded before the page's own (no build step); the widget does not use
   it (it is embedded on other sites as one file). All text goes in with textContent. */
(function () {
  "use strict";

  /* Every label comes from the KB's voice (voice.yaml, section console), fetched before anything is drawn. */
  var VOICE = {};
  var SAY = {};
  function C(key, vars) {
    return String(VOICE[key] === undefined ? key : VOICE[key]).replace(/\{(\w+)\}/g, function (m, name) {
      return vars && name in vars ? vars[name] : m;
    });
  }
  function N(prefix, value, vars) { return C(prefix + "." + value, vars); }
  function voice(ready) {
    fetch("/v1/voice?channel=agent", { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (v) {
        VOICE = v.console || {};
        SAY = v.say || {};
        ready(v);
      });
  }

  var $ = function (id) { return document.getElementById(id); };
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function pct(x) { return x === null || x === undefined ? "—" : Math.round(x * 100) + "%"; }
  function time(iso) {
    var d = new Date(iso);
    var p = function (n) { return ("0" + n).slice(-2); };
    return p(d.getMonth() + 1) + "-" + p(d.getDate()) + " " + p(d.getHours()) + ":" + p(d.getMinutes());
  }

  /* A signed-in page: the key (kept in sessionStorage under opts.storage), api() with it, and the sign-in form
     (#signin, #signin-form, #key, #signin-error, #signout) in front of the page's pane (opts.pane).
     opts: me (the path that names the key's holder), signedIn(me) (may throw to refuse the key), signedOut(),
     failed(err) (the sign-in form's message for a refused key; null: say nothing), unauthorized() (any 401). */
  function session(opts) {
    var s = { key: sessionStorage.getItem(opts.storage) };

    s.api = function (method, path, body, raw) {
      var init = { method: method, headers: { Authorization: "Bearer " + s.key } };
      if (!raw) init.headers.Accept = "application/json";
      if (body !== undefined) {
        init.headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(body);
      }
      return fetch(path, init).then(function (r) {
        if (r.ok && raw) return r.text();
        return r.json().catch(function () { return {}; }).then(function (data) {
          if (r.status === 401 && opts.unauthorized) opts.unauthorized();
          if (!r.ok) {
            var err = new Error(data.detail || r.statusText);
            err.code = data.code;
            err.status = r.status;
            throw err;
          }
          return data;
        });
      });
    };

    s.signIn = function (key) {
      s.key = key;
      return s.api("GET", opts.me).then(function (me) {
        opts.signedIn(me);
        sessionStorage.setItem(opts.storage, key);
        $("signin").hidden = true;
        $(opts.pane).hidden = false;
      });
    };

    s.signOut = function (message) {
      sessionStorage.removeItem(opts.storage);
      if (opts.signedOut) opts.signedOut();
      s.key = null;
      $(opts.pane).hidden = true;
      $("signin").hidden = false;
      $("signin-error").hidden = !message;
      $("signin-error").textContent = message || "";
    };

    /* The form and the sign-out button; resume() signs in again with a key kept from before (message: what the
       form says when that key no longer works). */
    s.wire = function () {
      $("signin-form").addEventListener("submit", function (e) {
        e.preventDefault();
        s.signIn($("key").value.trim()).catch(function (err) {
          var message = opts.failed(err);
          if (message !== null) s.signOut(message);
        });
      });
      $("signout").addEventListener("click", function () { s.signOut(""); });
    };
    s.resume = function (message) {
      if (s.key) s.signIn(s.key).catch(function () { s.signOut(message); });
    };
    return s;
  }

  window.FAQ_CONSOLE = {
    C: C, N: N, voice: voice,
    text: function (key) { return VOICE[key]; },
    say: function (key) { return SAY[key]; },
    $: $, el: el, pct: pct, time: time, session: session,
  };
})();
