/* SafeGuide ask page: asks /api/ask and appends each answer to the thread.
 *
 * Without this script the form posts to "/" and the server renders the same markup
 * (templates/_turn.html); keep the two in step. Text from answers and documents is only
 * ever set with textContent, never parsed as HTML.
 */
(function () {
  "use strict";

  var form = document.getElementById("ask-form");
  var box = document.getElementById("question");
  var button = document.getElementById("ask-button");
  var status = document.getElementById("form-status");
  var thread = document.getElementById("thread");
  var historyFields = document.getElementById("history-fields");
  var newThread = document.getElementById("new-thread");
  var intro = document.getElementById("intro");
  var label = form.querySelector(".ask-label");
  if (!form || !box || !thread) return;

  var warning = document.getElementById("pd-warning");
  var csrf = document.querySelector("meta[name=csrf-token]");
  var MAX_TURNS = 10;
  var REASONS = [["inaccurate", "Inaccurate"], ["incomplete", "Incomplete"],
    ["not_relevant", "Not relevant"], ["out_of_date", "Out of date"]];
  var history = Array.prototype.map.call(
    historyFields.querySelectorAll("input[name=history]"),
    function (input) { return { question: input.value }; }
  );
  var busy = false;

  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (attrs[name] === null || attrs[name] === undefined || attrs[name] === false) return;
      if (name === "text") node.textContent = attrs[name];
      else if (name === "className") node.className = attrs[name];
      else node.setAttribute(name, attrs[name] === true ? "" : attrs[name]);
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function hidden(text) { return el("span", { className: "visually-hidden", text: text }); }

  function statusBadge(c) {
    if (c.status === "superseded") {
      return el("p", { className: "badge badge--superseded",
        text: "Superseded" + (c.superseded_by ? " by " + c.superseded_by : "") +
              ": check the current edition" });
    }
    if (c.status === "draft") {
      return el("p", { className: "badge badge--draft", text: "Draft / sample: not force policy" });
    }
    return null;
  }

  function chip(c) {
    var summary = el("summary", { className: "chip", title: "Show the quoted passage" },
      "Source " + c.n);
    if (c.status === "superseded") {
      summary.appendChild(el("span", { className: "chip-flag", "aria-hidden": "true", text: "!" }));
      summary.appendChild(hidden(" (superseded)"));
    } else if (c.status === "draft") {
      summary.appendChild(el("span", { className: "chip-flag", "aria-hidden": "true", text: "D" }));
      summary.appendChild(hidden(" (draft)"));
    }
    var quote = el("blockquote", { className: "passage-text" },
      c.text.slice(0, c.span[0]),
      el("mark", { text: c.text.slice(c.span[0], c.span[1]) }),
      c.text.slice(c.span[1]));
    var passage = el("div", { className: "passage" },
      el("p", { className: "passage-title" }, el("strong", { text: c.title })),
      el("p", { className: "passage-meta", text: c.edition }),
      statusBadge(c),
      el("p", { className: "passage-section",
        text: c.section + (c.page ? " · page " + c.page : "") }),
      quote,
      el("a", { className: "reader-link", href: c.url }, "Open in the document",
        hidden(": " + c.title)));
    return el("details", { className: "cite" + (c.status !== "current" ? " cite--" + c.status : ""),
      "data-n": String(c.n) }, summary, passage);
  }

  function renderTurn(data, i) {
    var article = el("article", {
      className: "turn " + (data.abstained ? "turn--abstained" : "turn--answered"),
      id: "turn-" + i, "aria-labelledby": "turn-" + i + "-q", tabindex: "-1" },
      el("h2", { className: "turn-question", id: "turn-" + i + "-q" },
        hidden("You asked: "), data.question));
    if (data.urgent_reply) {
      article.appendChild(el("div", { className: "urgent", role: "alert" },
        el("p", { className: "urgent-text", text: data.urgent_reply })));
    }
    if (data.personal_data && data.personal_data.length) {
      article.appendChild(el("p", { className: "notice notice--info" },
        el("strong", { text: "Personal data:" }),
        " your question seems to contain " + data.personal_data.join(", ").toLowerCase() +
        ". Leave it out next time: the guidance does not need it."));
    }
    if (data.abstained) {
      var box = el("div", { className: "abstention" },
        el("p", { className: "abstention-title" },
          el("span", { className: "abstention-icon", "aria-hidden": "true", text: "?" }),
          " Not found in the guidance"),
        el("p", { className: "abstention-text", text: data.answer +
          " Nothing has been guessed. Check with your supervisor or your force's policy." }));
      if (data.nearest_topics && data.nearest_topics.length) {
        var list = el("ul", { "aria-labelledby": "turn-" + i + "-topics" });
        data.nearest_topics.forEach(function (topic, k) {
          var cut = topic.lastIndexOf(" › ");
          list.appendChild(el("li", {}, el("button", { type: "submit", className: "btn topic",
            name: "question", value: data.topic_questions[k] },
            cut < 0 ? topic : topic.slice(cut + 3),
            cut < 0 ? null : el("span", { className: "topic-context", text: topic.slice(0, cut) }))));
        });
        box.appendChild(el("form", { method: "post", action: form.getAttribute("action"),
          className: "topics" },
          el("input", { type: "hidden", name: "csrf_token", value: csrf ? csrf.content : "" }),
          el("p", { className: "topics-label", id: "turn-" + i + "-topics",
            text: "Closest topics in the guidance:" }), list));
      }
      article.appendChild(box);
      article.appendChild(feedbackBox(data, i));
    return article;
    }
    (data.notices || []).forEach(function (notice) {
      article.appendChild(el("p", { className: "notice" },
        el("strong", { text: "Check the source:" }), " " + notice));
    });
    if (data.mode === "generative") {
      article.appendChild(el("p", { className: "notice notice--info mode-note", text: "Worded by a language " +
        "model; each sentence was checked against the passage it cites." }));
    }
    var items = el("ul", { className: "items" });
    data.items.forEach(function (item) {
      var c = item.ref === null || item.ref === undefined ? null : data.citations[item.ref];
      items.appendChild(el("li", { className: "item item--" + item.kind },
        el("span", { className: "item-text", text: item.text }), c ? chip(c) : null));
    });
    article.appendChild(items);
    if (data.offered_checklists && data.offered_checklists.length) {
      var offers = el("ul", {});
      data.offered_checklists.forEach(function (o) {
        offers.appendChild(el("li", {}, el("a", { className: "offer-link", href: o.url, text: o.title }),
          o.status === "draft" ? " " : null,
          o.status === "draft" ? el("span", { className: "badge badge--draft", text: "Draft / sample" }) : null));
      });
      article.appendChild(el("div", { className: "offers" },
        el("p", { className: "offers-label", text: "What to record, as a checklist:" }), offers));
    }
    article.appendChild(el("div", { className: "turn-actions" },
      el("button", { type: "button", className: "btn btn-secondary copy-answer",
        text: "Copy answer with sources" })));
    article.appendChild(feedbackBox(data, i));
    return article;
  }

  /* The answer as plain text, each line with its [n], then the sources with reader links. */
  /* Same markup as templates/_feedback.html. */
  function feedbackBox(data, i) {
    var reason = el("select", { id: "turn-" + i + "-reason", className: "feedback-reason" });
    REASONS.forEach(function (r) { reason.appendChild(el("option", { value: r[0], text: r[1] })); });
    return el("div", { className: "feedback", "data-request-id": data.request_id },
      el("p", { className: "feedback-label", id: "turn-" + i + "-fb", text: "Was this answer useful?" }),
      el("div", { className: "feedback-buttons", role: "group", "aria-labelledby": "turn-" + i + "-fb" },
        el("button", { type: "button", className: "btn btn-secondary feedback-up", "aria-pressed": "false", text: "👍 Yes" }),
        el("button", { type: "button", className: "btn btn-secondary feedback-down", "aria-pressed": "false", text: "👎 No" })),
      el("div", { className: "feedback-more", hidden: true },
        el("label", { for: "turn-" + i + "-reason", text: "What was wrong?" }), reason,
        el("label", { for: "turn-" + i + "-comment", text: "Comment (optional; no personal data)" }),
        el("textarea", { id: "turn-" + i + "-comment", className: "feedback-comment", rows: "2", maxlength: "1000" }),
        el("button", { type: "button", className: "btn btn-primary feedback-send", text: "Send feedback" })),
      el("p", { className: "feedback-status", role: "status", "aria-live": "polite" }));
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
        "X-CSRFToken": csrf ? csrf.content : "" },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.status === 401) { window.location.assign("/login"); }
        if (!response.ok) throw new Error(data.error || "the server could not answer (" + response.status + ")");
        return data;
      });
    });
  }

  function sendFeedback(box, rating) {
    var more = box.querySelector(".feedback-more");
    var body = { request_id: box.getAttribute("data-request-id"), rating: rating };
    if (rating === "down") {
      body.reason = box.querySelector(".feedback-reason").value;
      body.comment = box.querySelector(".feedback-comment").value;
    }
    var note = box.querySelector(".feedback-status");
    post("/api/feedback", body).then(function () {
      note.textContent = "Thank you: your feedback was recorded.";
      more.hidden = true;
      box.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    }, function (error) {
      note.textContent = "Sorry: " + error.message;
    });
  }

  function showWarning(data) {
    document.getElementById("pd-kinds").textContent =
      data.personal_data.join(", ").toLowerCase().replace(/_/g, " ");
    document.getElementById("pd-preview").textContent = data.redacted_question;
    document.getElementById("pd-urgent-text").textContent = data.urgent_reply || "";
    document.getElementById("pd-urgent").hidden = !data.urgent_reply;
    warning.hidden = false;
    say("Check your question before it is answered.", true);
    warning.scrollIntoView({ block: "start" });
    document.getElementById("pd-edit").focus();
  }

  function copyText(article) {
    var lines = [];
    var sources = {};
    article.querySelectorAll(".item").forEach(function (li) {
      var text = li.querySelector(".item-text").textContent;
      var cite = li.querySelector(".cite");
      var prefix = li.classList.contains("item--list_item") ? "- " : "";
      if (!cite) { lines.push(prefix + text); return; }
      var n = cite.getAttribute("data-n");
      lines.push(prefix + text + " [" + n + "]");
      if (!sources[n]) {
        var link = cite.querySelector(".reader-link");
        var badge = cite.querySelector(".badge");
        sources[n] = "[" + n + "] " + cite.querySelector(".passage-title").textContent.trim() +
          " (" + cite.querySelector(".passage-meta").textContent.trim() + "), " +
          cite.querySelector(".passage-section").textContent.trim() +
          (badge ? " [" + badge.textContent.trim() + "]" : "") +
          " " + new URL(link.getAttribute("href"), window.location.href).href;
      }
    });
    var keys = Object.keys(sources).sort(function (a, b) { return a - b; });
    return lines.join("\n") + "\n\nSources:\n" + keys.map(function (k) { return sources[k]; }).join("\n");
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = el("textarea", { readonly: true, className: "visually-hidden" });
      area.value = text;
      document.body.appendChild(area);
      area.select();
      var ok = document.execCommand("copy");
      document.body.removeChild(area);
      if (ok) resolve(); else reject(new Error("copy failed"));
    });
  }

  function say(message, isError) {
    status.textContent = message;
    status.classList.toggle("is-error", !!isError);
  }

  function syncHistoryFields() {
    historyFields.textContent = "";
    history.forEach(function (turn) {
      historyFields.appendChild(el("input", { type: "hidden", name: "history", value: turn.question }));
    });
    if (newThread) newThread.hidden = history.length === 0;
  }

  function ask(question, freshThread, confirmed) {
    if (busy) return;
    question = question.trim();
    if (!question) {
      say("Type a question first.", true);
      box.focus();
      return;
    }
    if (freshThread) history = [];
    busy = true;
    button.disabled = true;
    thread.setAttribute("aria-busy", "true");
    say("Searching the guidance…");
    if (warning) warning.hidden = true;
    post("/api/ask", { question: question, history: history.slice(-MAX_TURNS),
      confirm_personal_data: !!confirmed
    }).then(function (data) {
      if (data.status === "personal_data_warning") { showWarning(data); return; }
      var article = renderTurn(data, thread.querySelectorAll(".turn").length);
      thread.appendChild(article);
      history.push({ question: data.question || question, answer: data.answer });
      history = history.slice(-MAX_TURNS);
      syncHistoryFields();
      if (intro) intro.hidden = true;
      if (label) label.textContent = "Ask a follow-up or a new question";
      box.value = "";
      box.removeAttribute("aria-invalid");
      say(data.abstained ? "Not found in the guidance." : "Answer ready.");
      article.scrollIntoView({ block: "start" });
    }).catch(function (error) {
      var message = error instanceof TypeError
        ? "Could not reach SafeGuide. Check your connection and try again."
        : "Sorry: " + error.message;
      say(message, true);
      box.setAttribute("aria-invalid", "true");
    }).then(function () {
      busy = false;
      button.disabled = false;
      thread.removeAttribute("aria-busy");
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var confirmed = event.submitter && event.submitter.id === "pd-confirm";
    ask(box.value, false, confirmed);
  });

  if (warning) {
    document.getElementById("pd-edit").hidden = false;
    document.getElementById("pd-edit").addEventListener("click", function () {
      warning.hidden = true;
      say("");
      box.focus();
    });
  }

  box.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ask(box.value, false);
    }
  });

  thread.addEventListener("submit", function (event) {
    if (!event.target.classList.contains("topics")) return;
    event.preventDefault();
    var submitter = event.submitter;
    if (submitter && submitter.value) ask(submitter.value, true);
  });

  thread.addEventListener("click", function (event) {
    var fb = event.target.closest(".feedback-up, .feedback-down, .feedback-send");
    if (fb) {
      var fbox = fb.closest(".feedback");
      if (fb.classList.contains("feedback-up")) {
        fb.setAttribute("aria-pressed", "true");
        sendFeedback(fbox, "up");
      } else if (fb.classList.contains("feedback-down")) {
        fb.setAttribute("aria-pressed", "true");
        fbox.querySelector(".feedback-more").hidden = false;
        fbox.querySelector(".feedback-reason").focus();
      } else {
        sendFeedback(fbox, "down");
      }
      return;
    }
    var target = event.target.closest(".copy-answer");
    if (!target) return;
    copy(copyText(target.closest(".turn"))).then(function () {
      target.textContent = "Copied";
      say("Answer copied with its sources.");
      setTimeout(function () { target.textContent = "Copy answer with sources"; }, 2500);
    }, function () {
      say("Could not copy. Select the text and copy it instead.", true);
    });
  });

  document.querySelectorAll(".copy-answer, .feedback").forEach(function (b) { b.hidden = false; });
})();
