// Answers as the customer types: a progressive enhancement of the form's
// "Search our answers" button, which does the same without JavaScript.
// Everything shown is built with textContent: nothing from the server is
// parsed as HTML.
(function () {
  "use strict";
  var form = document.getElementById("complaint-form");
  var narrative = document.getElementById("narrative");
  var section = document.getElementById("answers");
  var list = document.getElementById("answers-list");
  if (!form || !narrative || !section || !list || !window.fetch) { return; }
  var lang = document.documentElement.lang || "en";
  var labels = {
    yes: section.getAttribute("data-yes") || "",
    no: section.getAttribute("data-no") || ""
  };
  var timer = null;
  var last = "";
  var dismissed = {};

  function button(id, verdict, text) {
    var b = document.createElement("button");
    b.type = "submit";
    b.className = "secondary";
    b.setAttribute("formaction", "/answers/feedback");
    b.name = "feedback";
    b.value = id + ":" + verdict;
    b.textContent = text;
    return b;
  }

  function show(answers) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    answers = answers.filter(function (a) { return !dismissed[a.id]; });
    if (!answers.length) { section.hidden = true; return; }
    var ul = document.createElement("ul");
    ul.className = "answers";
    answers.forEach(function (a) {
      var li = document.createElement("li");
      li.className = "answer";
      li.setAttribute("data-article", a.id);
      var h = document.createElement("h3");
      var link = document.createElement("a");
      link.href = "/answers/" + encodeURIComponent(a.id) + "?from=web_form&q=" + encodeURIComponent(last);
      link.textContent = a.title;
      h.appendChild(link);
      li.appendChild(h);
      if (a.summary) {
        var p = document.createElement("p");
        p.textContent = a.summary;
        li.appendChild(p);
      }
      var div = document.createElement("div");
      div.className = "feedback";
      div.appendChild(button(a.id, "yes", labels.yes));
      div.appendChild(button(a.id, "no", labels.no));
      li.appendChild(div);
      ul.appendChild(li);
    });
    list.appendChild(ul);
    section.hidden = false;
  }

  function search() {
    var q = narrative.value.replace(/\s+/g, " ").trim();
    if (q.length < 12 || q === last) { return; }
    last = q;
    fetch("/answers.json?lang=" + encodeURIComponent(lang) + "&q=" + encodeURIComponent(q.slice(0, 500)), {
      headers: { "Accept": "application/json" }, credentials: "same-origin"
    }).then(function (r) { return r.ok ? r.json() : { answers: [] }; })
      .then(function (data) { show(data.answers || []); })
      .catch(function () {});
  }

  narrative.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 600);
  });

  // "No, file my complaint" is recorded without leaving the page, so that
  // what the customer typed and the files they chose stay as they are.
  form.addEventListener("click", function (event) {
    var target = event.target;
    if (!target || target.name !== "feedback" || !/:no$/.test(target.value)) { return; }
    event.preventDefault();
    var data = new FormData();
    data.append("csrf", form.elements.csrf.value);
    data.append("feedback", target.value);
    data.append("query", last || narrative.value.slice(0, 500));
    data.append("source", "web_form");
    fetch("/answers/feedback", {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).catch(function () {});
    dismissed[target.value.split(":")[0]] = true;
    var item = target.closest("li");
    if (item) { item.parentNode.removeChild(item); }
    if (!list.querySelector("li")) { section.hidden = true; }
    var next = document.getElementById("desired_outcome");
    if (next) { next.focus(); }
  });
})();
