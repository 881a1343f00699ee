/* The insights charts, drawn on canvases here (no chart library, nothing from a CDN). */
(function () {
  "use strict";

  var COLORS = { answer: "#12b76a", clarify: "#f79009", handoff: "#f04438", smalltalk: "#98a2b3" };
  var K = window.FAQ_CONSOLE;
  var C = K.C, N = K.N, $ = K.$, el = K.el, pct = K.pct;

  function frame(canvas) {
    var ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.font = "11px sans-serif";
    ctx.fillStyle = "#667085";
    return { ctx: ctx, left: 40, top: 10, width: canvas.width - 50, height: canvas.height - 40 };
  }

  function axis(f, max, labels) {
    var ctx = f.ctx;
    ctx.strokeStyle = "#e4e7ec";
    for (var i = 0; i <= 4; i++) {
      var y = f.top + f.height - (f.height * i) / 4;
      ctx.beginPath(); ctx.moveTo(f.left, y); ctx.lineTo(f.left + f.width, y); ctx.stroke();
      ctx.fillText(String(Math.round((max * i) / 4 * 100) / 100), 4, y + 4);
    }
    var step = Math.max(1, Math.ceil(labels.length / 8));
    labels.forEach(function (label, n) {
      if (n % step) return;
      ctx.fillText(label, f.left + (f.width * (n + 0.5)) / labels.length - 14, f.top + f.height + 16);
    });
  }

  function stacked(canvas, days) {
    var f = frame(canvas), kinds = ["answer", "clarify", "handoff", "smalltalk"];
    var totals = days.map(function (d) { return kinds.reduce(function (s, k) { return s + (d[k] || 0); }, 0); });
    var max = Math.max.apply(null, totals.concat([1]));
    axis(f, max, days.map(function (d) { return d.day.slice(5); }));
    var w = f.width / Math.max(days.length, 1);
    days.forEach(function (d, n) {
      var y = f.top + f.height;
      kinds.forEach(function (k) {
        var h = (f.height * (d[k] || 0)) / max;
        f.ctx.fillStyle = COLORS[k];
        f.ctx.fillRect(f.left + n * w + w * 0.15, y - h, w * 0.7, h);
        y -= h;
      });
    });
  }

  function line(canvas, daily) {
    var f = frame(canvas), pts = daily.filter(function (d) { return d.share !== null; });
    axis(f, 1, pts.map(function (d) { return d.day.slice(5); }));
    var w = f.width / Math.max(pts.length, 1);
    f.ctx.strokeStyle = "#1664ff"; f.ctx.fillStyle = "#1664ff"; f.ctx.lineWidth = 2;
    f.ctx.beginPath();
    pts.forEach(function (d, n) {
      var x = f.left + n * w + w / 2, y = f.top + f.height * (1 - d.share);
      if (n) f.ctx.lineTo(x, y); else f.ctx.moveTo(x, y);
    });
    f.ctx.stroke();
    pts.forEach(function (d, n) {
      f.ctx.beginPath(); f.ctx.arc(f.left + n * w + w / 2, f.top + f.height * (1 - d.share), 3, 0, 2 * Math.PI); f.ctx.fill();
    });
    f.ctx.lineWidth = 1;
  }

  function bars(canvas, counts) {
    var f = frame(canvas), names = Object.keys(counts);
    var max = Math.max.apply(null, names.map(function (n) { return counts[n]; }).concat([1]));
    axis(f, max, names.map(function (n) { return N("team", n); }));
    var w = f.width / Math.max(names.length, 1);
    names.forEach(function (n, i) {
      var h = (f.height * counts[n]) / max;
      f.ctx.fillStyle = "#7a5af8";
      f.ctx.fillRect(f.left + i * w + w * 0.2, f.top + f.height - h, w * 0.6, h);
    });
  }

  function kpis(data) {
    var box = $("kpis"), total = data.per_day.reduce(function (s, d) {
      return s + Object.keys(d).filter(function (k) { return k !== "day"; }).reduce(function (t, k) { return t + d[k]; }, 0);
    }, 0);
    var trend = data.deflection.trend;
    var cards = [[C("admin.kpi.questions"), total], [C("admin.kpi.deflection"), pct(data.deflection.share)],
      [C("admin.kpi.trend"), trend === null ? "—" : (trend >= 0 ? "+" : "") + Math.round(trend * 100)],
      [C("admin.kpi.csat"), data.csat && data.csat.mean !== null ? data.csat.mean : C("admin.kpi.no_csat")]];
    box.textContent = "";
    cards.forEach(function (c) {
      var card = el("div", "kpi");
      card.appendChild(el("div", "v", c[1]));
      card.appendChild(el("div", "l", c[0]));
      box.appendChild(card);
    });
  }

  function lists(data) {
    var fill = function (id, rows, make) {
      var box = $(id);
      box.textContent = "";
      rows.forEach(function (r) { box.appendChild(make(r)); });
    };
    fill("top-questions", data.top_questions, function (q) { return el("li", "", C("admin.top_q", { q: q.question, n: q.count })); });
    fill("top-gaps", data.top_gaps, function (g) { return el("li", "", C("admin.top_gap", { q: g.sample, n: g.count })); });
    fill("helpfulness", data.helpfulness.slice(0, 15), function (h) {
      var tr = el("tr");
      tr.appendChild(el("td", "", C("admin.helpful_row", { id: h.entry_id, h: h.helpful, n: h.not_helpful, p: pct(h.rate) })));
      return tr;
    });
    var legend = $("c-days-legend");
    legend.textContent = "";
    Object.keys(COLORS).forEach(function (k) {
      var item = el("span");
      item.appendChild(el("span", "sw " + k));
      item.appendChild(document.createTextNode(N("decision", k)));
      legend.appendChild(item);
    });
  }

  window.FAQ_ADMIN_CHARTS = {
    render: function (data) {
      kpis(data);
      stacked($("c-days"), data.per_day);
      line($("c-deflection"), data.deflection.daily);
      bars($("c-teams"), data.handoffs_per_team);
      lists(data);
    },
  };
})();
