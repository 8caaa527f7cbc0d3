(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("review-data").textContent);
  var pairs = data.pairs;
  var threshold = data.threshold;
  var main = document.getElementById("pairs");
  var empty = document.getElementById("empty");
  var shown = document.getElementById("shown");

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Text with glossary marks: [start, end, class, title] in UTF-16 offsets, sorted, non-overlapping.
  function marked(text, marks) {
    var span = el("span", "txt");
    var pos = 0;
    for (var i = 0; i < marks.length; i++) {
      var m = marks[i];
      if (m[0] < pos || m[1] > text.length) continue;
      if (m[0] > pos) span.appendChild(document.createTextNode(text.slice(pos, m[0])));
      var mark = el("mark", m[2], text.slice(m[0], m[1]));
      mark.title = m[3];
      span.appendChild(mark);
      pos = m[1];
    }
    if (pos < text.length) span.appendChild(document.createTextNode(text.slice(pos)));
    return span;
  }

  function docLabel(docId) {
    var info = data.docs[docId];
    var label = docId;
    if (info && info.title) label += " \u201c" + info.title + "\u201d";
    return label;
  }

  function side(lang, docId, ids, text, marks, untranslated) {
    var cell = el("div", "side" + (untranslated ? " untranslated" : ""));
    var tag = el("span", "lang", lang + " " + JSON.stringify(ids));
    tag.title = docLabel(docId);
    cell.appendChild(tag);
    if (text) {
      cell.appendChild(marked(text, marks));
    } else {
      cell.appendChild(el("span", "txt none", untranslated ? "(not translated)" : "(empty)"));
    }
    return cell;
  }

  function hue(score) {
    var s = Math.max(0, Math.min(1, score));
    return Math.round(s * 120);
  }

  // Build every row once; filters only toggle `hidden`.
  var groups = [];
  var groupByKey = {};
  var rows = new Array(pairs.length);
  var frag = document.createDocumentFragment();
  for (var i = 0; i < pairs.length; i++) {
    var p = pairs[i];
    var key = p.kind + "\u0000" + p.sd + "\u0000" + p.td;
    var g = groupByKey[key];
    if (!g) {
      var section = el("section", "group");
      var h2 = el("h2");
      h2.appendChild(document.createTextNode(p.kind + " \u00b7 " + p.sl + " \u2192 " + p.tl + " \u00b7 "));
      h2.appendChild(el("span", "sub", p.sd === p.td
        ? docLabel(p.sd) + " and its translation"
        : docLabel(p.sd) + "  \u21c4  " + docLabel(p.td)));
      var count = el("span", "sub gcount");
      h2.appendChild(count);
      section.appendChild(h2);
      var list = el("div", "rows");
      section.appendChild(list);
      g = { section: section, list: list, count: count, members: [] };
      groupByKey[key] = g;
      groups.push(g);
      frag.appendChild(section);
    }
    var flags = p.flags;
    var below = p.score < threshold;
    var row = el("div", "pair" + (below ? " below" : ""));
    row.dataset.pairId = p.id;
    row.dataset.kind = p.kind;
    row.style.setProperty("--hue", String(hue(p.score)));
    var meta = el("div", "pmeta");
    meta.appendChild(el("span", "pid", p.id));
    var score = el("span", "score", p.score.toFixed(3));
    score.title = below ? "below the review threshold " + threshold : "score";
    meta.appendChild(score);
    for (var f = 0; f < flags.length; f++) meta.appendChild(el("span", "flag flag-" + flags[f], flags[f]));
    row.appendChild(meta);
    var untranslated = flags.indexOf("untranslated") >= 0;
    row.appendChild(side(p.sl, p.sd, p.si, p.st, p.sh, false));
    row.appendChild(side(p.tl, p.td, p.ti, p.tt, p.th, untranslated && p.kind === "translation"));
    g.list.appendChild(row);
    g.members.push(i);
    rows[i] = row;
  }
  main.appendChild(frag);

  var form = document.getElementById("filters");
  var inputs = {
    kind: document.getElementById("f-kind"),
    lang: document.getElementById("f-lang"),
    min: document.getElementById("f-min"),
    max: document.getElementById("f-max"),
    below: document.getElementById("f-below"),
    flag: document.getElementById("f-flag"),
    text: document.getElementById("f-text")
  };
  var haystacks = null;

  function number(input, fallback) {
    var v = parseFloat(input.value);
    return isNaN(v) ? fallback : v;
  }

  function apply() {
    var kind = inputs.kind.value;
    var lang = inputs.lang.value;
    var min = number(inputs.min, -Infinity);
    var max = number(inputs.max, Infinity);
    var belowOnly = inputs.below.checked;
    var flag = inputs.flag.value;
    var text = inputs.text.value.trim().toLowerCase();
    if (text && !haystacks) {
      haystacks = pairs.map(function (q) { return (q.st + "\n" + q.tt + "\n" + q.id).toLowerCase(); });
    }
    var total = 0;
    for (var gi = 0; gi < groups.length; gi++) {
      var grp = groups[gi];
      var visible = 0;
      for (var k = 0; k < grp.members.length; k++) {
        var idx = grp.members[k];
        var q = pairs[idx];
        var ok = (!kind || q.kind === kind)
          && (!lang || q.sl + "\u2192" + q.tl === lang)
          && q.score >= min - 1e-9 && q.score <= max + 1e-9
          && (!belowOnly || q.score < threshold)
          && (!flag || (flag === "*" ? q.flags.length > 0 : q.flags.indexOf(flag) >= 0))
          && (!text || haystacks[idx].indexOf(text) >= 0);
        rows[idx].hidden = !ok;
        if (ok) visible++;
      }
      grp.section.hidden = visible === 0;
      grp.count.textContent = "  (" + visible + " of " + grp.members.length + ")";
      total += visible;
    }
    shown.textContent = String(total);
    empty.textContent = pairs.length ? "No pair matches the filters." : "No pairs to review.";
    empty.hidden = total > 0;
  }

  var pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () { pending = false; apply(); });
  }
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
  apply();
  document.body.dataset.ready = "true";
})();
