/* Gongshi: residents' reading aids.
 *
 * 1. 长辈模式 (elder mode): large type and high contrast, remembered in
 *    localStorage so it holds across pages and visits. The <head> partial
 *    applies it before the first paint; this file only wires the button.
 * 2. Print buttons ([data-gs-print]).
 * 3. Search: Pagefind's browser API behind Material's own search box. The
 *    index is split into small chunks, so a phone downloads only the parts a
 *    query needs (Material's search would send the whole index first).
 *    Nothing here is loaded from another host.
 */
(function () {
  "use strict";

  var ELDER_KEY = "gongshi.elder";
  var root = document.documentElement;
  // The site's root URL, from this script's own address (assets/gongshi-reader.js),
  // so the site works under any sub-path.
  var script = document.currentScript;
  var siteRoot = new URL("..", script ? script.src : location.href);

  /* ---- elder mode ---- */
  function elderOn() {
    return root.classList.contains("gs-elder");
  }
  function syncElderButtons() {
    var on = elderOn();
    document.querySelectorAll("[data-gs-elder-toggle]").forEach(function (b) {
      b.setAttribute("aria-pressed", on ? "true" : "false");
    });
  }
  function setElder(on) {
    root.classList.toggle("gs-elder", on);
    try {
      localStorage.setItem(ELDER_KEY, on ? "1" : "0");
    } catch (e) {
      /* private browsing: the mode still applies to this page */
    }
    syncElderButtons();
  }
  document.addEventListener("click", function (ev) {
    var target = ev.target instanceof Element ? ev.target : null;
    if (!target) return;
    if (target.closest("[data-gs-elder-toggle]")) {
      setElder(!elderOn());
    } else if (target.closest("[data-gs-print]")) {
      window.print();
    }
  });
  syncElderButtons();

  /* ---- an activity that is over ----
     The build shows "本活动已于…结束" for one over by the day it ran; a site
     not rebuilt since would still present a past activity as coming. */
  var over = document.querySelector("[data-gs-over]");
  if (over && over.hidden && Date.now() >= Date.parse(over.getAttribute("data-gs-over"))) over.hidden = false;

  /* ---- search ---- */
  var box = document.querySelector("[data-gs-search]");
  if (!box) return;
  var toggle = document.getElementById("__search");
  var form = box.querySelector("[data-gs-search-form]");
  var input = box.querySelector("[data-gs-search-query]");
  var meta = box.querySelector("[data-gs-search-meta]");
  // The hint is the line's first text, not one more attribute on every page.
  var hint = meta.textContent;
  var list = box.querySelector("[data-gs-search-results]");
  var pastNote = box.querySelector("[data-gs-search-past]");
  var PAGE = 5; // results whose text is fetched at once: each costs a request (and fills a phone screen)
  var pagefind = null;
  var loading = null;
  var seq = 0;
  var timer = 0;
  var pending = [];

  function loadPagefind() {
    if (!loading) {
      loading = import(new URL("pagefind/pagefind.js", siteRoot).href).then(function (pf) {
        pf.options({ baseUrl: siteRoot.pathname, excerptLength: 40 });
        // Pagefind cuts a query for a language it reads from <html lang>
        // once, when it starts (pf.init, synchronously); for a language it
        // does not cut, it keeps the query's words as given, and this file
        // cuts them itself (queryTerms). Switched back at once: nothing
        // else runs in between (screen readers read the page in its own
        // language). A large site's other bundles are merged after that,
        // asynchronously: search_entry.js gives them the language read
        // here (tests: test_split_index_titles_find_their_page_in_every_bundle).
        var lang = root.getAttribute("lang");
        root.setAttribute("lang", UNCUT_LANGUAGE);
        var started;
        try {
          started = pf.init();
        } finally {
          if (lang === null) root.removeAttribute("lang");
          else root.setAttribute("lang", lang);
        }
        pagefind = pf;
        return Promise.resolve(started).then(function () { return pf; });
      });
      loading.catch(function () {
        loading = null;
      });
    }
    return loading;
  }

  // Tests and assistive tools can tell when a query's results are in.
  function done(q) {
    box.setAttribute("data-gs-search-done", q);
  }

  // Under every answer, found or not: past activities are not searched.
  function showPastNote(on) {
    if (pastNote) pastNote.hidden = !on;
  }

  function say(key, n) {
    var text = key === "hint" ? hint : meta.getAttribute("data-" + key);
    meta.textContent = (text || "").replace("{n}", String(n));
  }

  // Pagefind's excerpt is HTML with <mark> around the hits; keep only text
  // and those marks, so nothing from a page can inject markup here.
  function excerptNodes(html) {
    var doc = new DOMParser().parseFromString("<p>" + html + "</p>", "text/html");
    var out = document.createDocumentFragment();
    doc.body.firstChild.childNodes.forEach(function (node) {
      if (node.nodeType === 1 && node.nodeName === "MARK") {
        var m = document.createElement("mark");
        m.textContent = node.textContent;
        out.appendChild(m);
      } else {
        out.appendChild(document.createTextNode(node.textContent));
      }
    });
    return out;
  }

  // The index holds each page's key text once more as spaced single
  // characters (generator/search.py explains why); it sits at the end of the
  // indexed text and must never be shown to a resident.
  var KEY_BLOCK = /(?:^|\s)(?:[\u3400-\u9fff](?:\s+|$)){4,}[\s\S]*$/;
  var SPACED = /(?:[\u3400-\u9fff] ){3,}/;

  // Pagefind joins a heading or a table cell to what follows with ". "
  // ("第 5 期. 防灾减灾日"); after Chinese, a space reads right.
  var JOINED = /([\u3000-\u303f\u3400-\u9fff\uff00-\uffef0-9])\. /g;

  function pageText(data) {
    return (data.content || "").replace(/\u200b/g, "").replace(KEY_BLOCK, "").replace(JOINED, "$1 ").trim();
  }

  // Chinese readers expect the words they typed, as typed: show the first
  // place where the query occurs in the page (spaces ignored), marked.
  function ownExcerpt(text, query) {
    var flat = [];
    var at = [];
    for (var i = 0; i < text.length; i++) {
      if (!/\s/.test(text[i])) {
        flat.push(text[i].toLowerCase());
        at.push(i);
      }
    }
    var needle = query.replace(/\s+/g, "").toLowerCase();
    var hit = needle ? flat.join("").indexOf(needle) : -1;
    if (hit < 0) return null;
    var start = at[hit];
    var end = at[hit + needle.length - 1] + 1;
    var from = Math.max(0, start - 24);
    var to = Math.min(text.length, end + 40);
    var frag = document.createDocumentFragment();
    frag.appendChild(document.createTextNode((from > 0 ? "…" : "") + text.slice(from, start)));
    var m = document.createElement("mark");
    m.textContent = text.slice(start, end);
    frag.appendChild(m);
    frag.appendChild(document.createTextNode(text.slice(end, to) + (to < text.length ? "…" : "")));
    return frag;
  }

  function excerptFor(data, query, text) {
    var own = ownExcerpt(text, query);
    if (own) return own;
    if (data.excerpt && !SPACED.test(data.excerpt.replace(/<\/?mark>/g, ""))) return excerptNodes(data.excerpt);
    return document.createTextNode(text.slice(0, 64) + (text.length > 64 ? "…" : ""));
  }

  // An activity's first fact, when it is ("时间：2026年12月6日（周日）
  // 09:00–16:00") or how it repeats ("重复：…"), as its page text holds it
  // (the labels from the page, data-when): a result found by a word of the
  // description showed the text around that word and not the date (the
  // residents' tester). The first fact only, near the top of the text, so
  // that a bulletin mentioning 时间 is not taken for an activity.
  var WHEN_LABELS = (meta.getAttribute("data-when") || "").split(",").filter(Boolean);
  var NEXT_LABEL = /\s+[^\s：]{1,8}：/;

  function whenOf(text) {
    for (var i = 0; i < WHEN_LABELS.length; i++) {
      var at = text.indexOf(WHEN_LABELS[i] + "：");
      if (at < 0 || at > 120) continue;
      var rest = text.slice(at);
      var next = rest.slice(WHEN_LABELS[i].length + 1).search(NEXT_LABEL);
      return next < 0 ? rest : rest.slice(0, WHEN_LABELS[i].length + 1 + next);
    }
    return "";
  }

  function resultItem(data, query) {
    var li = document.createElement("li");
    li.className = "md-search-result__item";
    var a = document.createElement("a");
    a.className = "md-search-result__link";
    a.href = data.url;
    var art = document.createElement("article");
    art.className = "md-search-result__article md-typeset";
    var h = document.createElement("h1");
    h.textContent = (data.meta && data.meta.title) || data.url;
    var text = pageText(data);
    var p = document.createElement("p");
    p.appendChild(excerptFor(data, query, text));
    art.appendChild(h);
    var when = whenOf(text);
    if (when && flat(p.textContent).indexOf(flat(when)) < 0) {
      var w = document.createElement("p");
      w.className = "gs-search-when";
      w.textContent = when;
      art.appendChild(w);
    }
    art.appendChild(p);
    a.appendChild(art);
    li.appendChild(a);
    return li;
  }

  function showMore(mySeq, query) {
    var batch = pending.splice(0, PAGE);
    var old = list.querySelector(".gs-search-more");
    if (old) old.remove();
    return Promise.all(batch.map(function (r) { return r.data(); })).then(function (items) {
      if (mySeq !== seq) return;
      items.forEach(function (d) { list.appendChild(resultItem(d, query)); });
      if (pending.length) {
        var li = document.createElement("li");
        li.className = "gs-search-more";
        var b = document.createElement("button");
        b.type = "button";
        b.className = "md-button";
        b.textContent = meta.getAttribute("data-more");
        b.addEventListener("click", function () { showMore(mySeq, query); });
        li.appendChild(b);
        list.appendChild(li);
      }
    });
  }

  // Words on nearly every page of a community site. Each query word costs
  // the phone an index chunk, and these chunks are the largest, while they
  // tell pages apart least; dropped when other words remain. Not after a
  // number: in 1栋 or 3 号楼 the unit is what tells 1 栋 from 1 号楼 and
  // from 1 单元, and the number alone matched any page with a 1 in it.
  var COMMON = /(社区|号楼|单元|栋)/g;
  var AFTER_NUMBER = /\d\s*$/;

  // How the query reaches Pagefind. Pagefind itself would cut it with the
  // browser's segmenter (ICU), which splits words it does not know into
  // single characters (燃气 → 燃 / 气, 防灾减灾 → 防 / 灾 / 减 / 灾), and then
  // wants, for each part, an indexed word of the page starting with it;
  // jieba indexed 燃气 whole, so 东院燃气安全入户检查 did not find its own
  // page. So Pagefind is told the query is in a language it does not cut
  // (loadPagefind), and each query is three searches, merged:
  // 1. the query cut as Pagefind would have cut it: the same results as
  //    before, none lost;
  // 2. the title search: TITLE_MARK + each run of the query, looked up
  //    among the title suffixes the index holds (generator/search.py,
  //    with_title_suffixes): every page whose title holds the query;
  // 3. ICU's parts with each run of single characters put back together
  //    (燃 / 气 → 燃气), which finds the words jieba kept whole in the text.
  // Title hits come first, then the others by Pagefind's score (a fourth
  // search, below, puts coming activities first). They share the index
  // chunks a search downloads; the title search adds one chunk (of title
  // suffixes) per bundle.
  var UNCUT_LANGUAGE = "und";
  var TITLE_MARK = "qz"; // generator/search.py TITLE_MARK
  var TITLE_CHARS = 12; // generator/search.py TITLE_SUFFIX_CHARS
  var TITLE_RUN = /[0-9a-z\u3400-\u9fff\uf900-\ufaff]+/g;
  var ONE_HAN = /^[\u3400-\u9fff\uf900-\ufaff]$/;
  var words = null;
  try {
    words = new Intl.Segmenter("zh-CN", { granularity: "word" });
  } catch (e) {
    /* no segmenter: Pagefind would not have cut the query either */
  }

  function icuParts(q) {
    if (!words) return [q];
    return Array.from(words.segment(q), function (s) { return s.segment; });
  }

  function joinedSingles(parts) {
    var out = [];
    var run = "";
    parts.forEach(function (p) {
      if (ONE_HAN.test(p)) {
        run += p;
        return;
      }
      if (run) out.push(run);
      run = "";
      out.push(p);
    });
    if (run) out.push(run);
    return out.join(" ");
  }

  function titleTerm(q) {
    var text = q.normalize ? q.normalize("NFKC") : q;
    var runs = text.toLowerCase().replace(/\s+/g, "").match(TITLE_RUN) || [];
    return runs.map(function (r) { return TITLE_MARK + r.slice(0, TITLE_CHARS); }).join(" ");
  }

  function queryTerms(q) {
    var lean = q.replace(COMMON, function (word, _w, at, all) {
      return AFTER_NUMBER.test(all.slice(0, at)) ? word : " ";
    });
    lean = lean.replace(/\s+/g, " ").trim() || q;
    var parts = icuParts(lean);
    var usual = parts.join(" ");
    var joined = joinedSingles(parts);
    return { title: titleTerm(q), others: joined === usual ? [usual] : [usual, joined] };
  }

  // A fourth search: the query sorted by SOON, which finds only the coming
  // activities (generator/search.py, with_soon), soonest first. Residents
  // type 讲座 or a place to find what is on next, and bulletins that
  // mention it often ranked above it. So the title hits come first as
  // before, in Pagefind's order (乙小区1号楼 is its building's page before
  // an activity whose title holds it); then up to FORWARD other coming
  // activities; then the rest by score. reranked() reads those put forward
  // besides the usual head, and orders it by how well each holds the query
  // first (a coming activity that only shares a character with it never
  // goes before a page that holds it), and within that, below the title
  // hits, coming activities first, soonest first. On a split index each
  // bundle sorts its own: those put forward are then the soonest of what
  // Pagefind lists first, in the order of their dates.
  var SOON = "gs_soon"; // generator/search.py SOON
  var SOON_END = "gs_end"; // generator/search.py SOON_END
  // Coming activities put forward: each costs a phone one more request
  // for its text before the first results show (~1 KB).
  var FORWARD = 3;

  function search(pf, q) {
    var terms = queryTerms(q);
    var titled = terms.title ? pf.search(terms.title) : Promise.resolve(null);
    var sorted = {};
    sorted[SOON] = "asc";
    var coming = pf.search(terms.others[0], { sort: sorted });
    var searches = [titled].concat(terms.others.map(function (t) { return pf.search(t); }));
    return Promise.all([coming].concat(searches)).then(function (all) {
      var soon = {};
      // Where no page has the key (no coming activity), Pagefind sorts
      // nothing and finds every page the query finds: then nothing is put
      // forward (it would cost requests and change no order).
      if (all[0].results.length < all[2].results.length) {
        all[0].results.forEach(function (r, i) {
          if (!(r.id in soon)) soon[r.id] = i;
        });
      }
      var seen = {};
      var first = [];
      var next = [];
      var rest = [];
      all.slice(1).forEach(function (res, n) {
        if (!res) return;
        res.results.forEach(function (r) {
          if (seen[r.id]) {
            seen[r.id].score = Math.max(seen[r.id].score, r.score);
            return;
          }
          seen[r.id] = { result: r, score: r.score, soon: r.id in soon ? soon[r.id] : -1 };
          (n === 0 ? first : seen[r.id].soon >= 0 ? next : rest).push(seen[r.id]);
        });
      });
      var byScore = function (a, b) { return b.score - a.score; };
      // Where each result would be without the coming ones put first: where
      // reranked() puts one that is over by now.
      var plain = {};
      first.concat(next.concat(rest).sort(byScore)).forEach(function (x, i) { plain[x.result.id] = i; });
      next.sort(function (a, b) { return a.soon - b.soon; });
      rest = rest.concat(next.splice(FORWARD));
      rest.sort(byScore);
      return {
        results: first.concat(next, rest).map(function (x) { return x.result; }),
        promoted: next.length,
        plain: plain
      };
    });
  }

  // Pagefind matches each query word against the indexed words it starts
  // (1 finds 1, 10, 11 and a phone number 138…), so it ranks 桂园花园 9 栋
  // as high as 1 栋 for 桂园花园1栋, and Enter opens the first result. The
  // results it ranks first are read, and those whose title holds the whole
  // query are shown first, then those whose text holds it, then the rest,
  // each in Pagefind's order. Reading a result costs a request, so only
  // the first PAGE are re-ranked, or twice as many when the query has a
  // number (buildings, 第 N 期), where Pagefind's order is least telling.
  function flat(text) {
    return text.replace(/\s+/g, "").toLowerCase();
  }

  // Whether ``text`` holds ``needle`` (both flat) where a number in the
  // needle is not part of a longer one: 1栋 is not in 11栋, 桂园花园1 not
  // in 桂园花园10栋.
  function holds(text, needle) {
    if (!needle) return false;
    var digitStart = /^\d/.test(needle);
    var digitEnd = /\d$/.test(needle);
    for (var at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
      var before = at > 0 ? text[at - 1] : "";
      var after = text.charAt(at + needle.length);
      if (!(digitStart && /\d/.test(before)) && !(digitEnd && /\d/.test(after))) return true;
    }
    return false;
  }

  function tier(data, needle) {
    if (holds(flat((data.meta && data.meta.title) || ""), needle)) return 0;
    return holds(flat(pageText(data)), needle) ? 1 : 2;
  }

  // When a coming activity's next occurrence starts (its SOON meta field,
  // seconds), or Infinity for any other page and for one that is over by
  // now (a site not rebuilt since).
  function soonOf(data) {
    var m = data.meta || {};
    var start = parseInt(m[SOON], 10);
    var end = parseInt(m[SOON_END], 10);
    if (isNaN(start) || isNaN(end) || end * 1000 <= Date.now()) return Infinity;
    return start;
  }

  // The first results, re-ranked, as results whose data is already read,
  // followed by the others: by tier; within the title hits in Pagefind's
  // order, within the others the coming activities first, soonest first
  // (across a split index's bundles too), then the rest where they would
  // be without the coming ones put forward (``plain``: search()'s; one over
  // by now is among them).
  function reranked(results, q, promoted, plain) {
    var count = (/\d/.test(q) ? 2 * PAGE : PAGE) + (promoted || 0);
    var head = results.slice(0, count);
    var needle = flat(q);
    return Promise.all(head.map(function (r) { return r.data(); })).then(function (items) {
      var order = items.map(function (d, i) {
        var id = head[i].id;
        var t = tier(d, needle);
        return { data: d, i: plain && id in plain ? plain[id] : i, tier: t, soon: t ? soonOf(d) : Infinity };
      });
      order.sort(function (a, b) {
        return a.tier - b.tier || (a.soon === b.soon ? a.i - b.i : a.soon < b.soon ? -1 : 1);
      });
      return order.map(function (o) {
        return { data: function () { return Promise.resolve(o.data); } };
      }).concat(results.slice(count));
    });
  }

  function run() {
    var q = input.value.trim();
    var mySeq = ++seq;
    list.textContent = "";
    pending = [];
    box.removeAttribute("data-gs-search-done");
    showPastNote(false);
    if (!q) {
      say("hint");
      return;
    }
    say("loading");
    loadPagefind()
      .then(function (pf) { return search(pf, q); })
      .then(function (res) {
        if (mySeq !== seq || !res) return;
        if (!res.results.length) {
          say("none");
          showPastNote(true);
          done(q);
          return;
        }
        return reranked(res.results, q, res.promoted, res.plain).then(function (results) {
          if (mySeq !== seq) return;
          say("count", results.length);
          showPastNote(true);
          pending = results;
          return showMore(mySeq, q).then(function () {
            if (mySeq === seq) done(q);
          });
        });
      })
      .catch(function () {
        if (mySeq === seq) {
          say("failed");
          done(q);
        }
      });
  }

  function open() {
    if (toggle && !toggle.checked) toggle.checked = true;
    loadPagefind().catch(function () {});
  }

  input.addEventListener("focus", open);
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(run, 250);
  });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    clearTimeout(timer);
    var first = list.querySelector(".md-search-result__link");
    if (first) location.href = first.href;
    else run();
  });
  form.addEventListener("reset", function () {
    setTimeout(function () {
      run();
      input.focus();
    }, 0);
  });
  if (toggle) {
    toggle.addEventListener("change", function () {
      if (toggle.checked) {
        loadPagefind().catch(function () {});
        // after Material's transition has made the box visible
        setTimeout(function () { input.focus(); }, 50);
      } else {
        input.blur();
      }
    });
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && toggle && toggle.checked) {
      toggle.checked = false;
      input.blur();
    }
  });
})();
