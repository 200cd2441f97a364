/*
 * Backstep sandbox: a Telegram-like chat page for the local Bot API stand-in.
 *
 * Each pane plays one user's phone. It long-polls the stand-in's /_user/{id}/chat for what the
 * bot did (messages, edits, deletions, button answers, "typing"), and sends what the user does
 * (texts, button presses, a location) to /_user/{id}/send|press|location. The sandbox adds
 * /_sandbox/... for its clock and the "jump to next reminder" control. Plain JS, no build step,
 * nothing loaded from elsewhere.
 */
"use strict";

(() => {
  const NAMES = { 1: "Alex", 2: "Sam", 3: "Kim", 4: "Robin" };
  const MAX_PANES = 4;
  const POLL_SECONDS = 25;
  const TOAST_MS = 4500;
  const PENDING_MS = 15000;
  const DEMO_LOCATION = { latitude: 52.520008, longitude: 13.404954, label: "Berlin" };
  const panes = [];

  // --- small helpers ------------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  const ICONS = {
    pin: "M12 2a7 7 0 0 0-7 7c0 5.2 7 13 7 13s7-7.8 7-13a7 7 0 0 0-7-7zm0 9.5A2.5 2.5 0 1 1 12 6.5a2.5 2.5 0 0 1 0 5z",
    download: "M11 3h2v10.2l3.6-3.6 1.4 1.4-6 6-6-6 1.4-1.4 3.6 3.6zM5 19h14v2H5z",
  };

  /** A small inline SVG icon, decorative (the text next to it says what it is). */
  function icon(name) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("class", "icon");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", ICONS[name]);
    svg.append(path);
    return svg;
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  async function api(path, body) {
    const options = body === undefined
      ? { method: "GET" }
      : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
    const response = await fetch(path, options);
    let data;
    try {
      data = await response.json();
    } catch (err) {
      throw new Error(`the sandbox answered ${response.status} without JSON`);
    }
    if (!response.ok || !data.ok) throw new Error(data.description || `HTTP ${response.status}`);
    return data;
  }

  function userName(id) {
    return NAMES[id] || (id < 0 ? `Group ${id}` : `User ${id}`);
  }

  function parseUsers(search) {
    const raw = new URLSearchParams(search).get("user") || "1";
    const ids = [];
    for (const part of raw.split(",")) {
      const text = part.trim();
      if (!/^-?[0-9]{1,15}$/.test(text)) continue; // negative: a group, e.g. the clinician chat
      const id = Number(text);
      if (id !== 0 && !ids.includes(id)) ids.push(id);
    }
    return (ids.length ? ids : [1]).slice(0, MAX_PANES);
  }

  function formatTime(date, zone, withDay, withZone) {
    const options = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
    if (withDay) Object.assign(options, { weekday: "short", day: "numeric", month: "short" });
    if (withZone) options.timeZoneName = "short";
    if (zone) options.timeZone = zone;
    try {
      return new Intl.DateTimeFormat("en-GB", options).format(date);
    } catch (err) {
      delete options.timeZone;
      return new Intl.DateTimeFormat("en-GB", options).format(date);
    }
  }

  function formatSize(bytes) {
    if (!bytes && bytes !== 0) return "";
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
    return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  }

  // --- the sandbox clock (shared by all panes) ---------------------------------------------

  const clock = {
    base: Date.now(),
    at: performance.now(),
    speed: 1,
    now() {
      return new Date(this.base + (performance.now() - this.at) * this.speed);
    },
    async sync() {
      const info = await api("/_sandbox/info");
      this.base = Date.parse(info.now);
      this.at = performance.now();
      this.speed = info.speed;
      const speed = document.getElementById("speed");
      speed.textContent = this.speed === 1 ? "(real speed)" : `(${this.speed}× faster)`;
      this.render();
    },
    render() {
      const now = this.now();
      const node = document.getElementById("clock");
      node.dateTime = now.toISOString();
      node.textContent = formatTime(now, undefined, true, true);
    },
  };

  // --- connection banner --------------------------------------------------------------------

  const connection = {
    lost() {
      const banner = document.getElementById("connection");
      banner.textContent = "Can't reach the sandbox. Is `backstep sandbox` still running? Retrying…";
      banner.hidden = false;
    },
    ok() {
      document.getElementById("connection").hidden = true;
    },
  };

  // --- message text with Telegram entities ------------------------------------------------------

  function safeUrl(url) {
    return /^(https?:\/\/|tg:\/\/|mailto:)/i.test(url) ? url : null;
  }

  function wrapEntity(node, entity, text) {
    const whole = text.substr(entity.offset, entity.length);
    switch (entity.type) {
      case "bold": return el("strong", {}, node);
      case "italic": return el("em", {}, node);
      case "underline": return el("u", {}, node);
      case "strikethrough": return el("s", {}, node);
      case "code": return el("code", {}, node);
      case "pre": return el("pre", {}, el("code", {}, node));
      case "spoiler": return el("span", { class: "spoiler", tabindex: 0 }, node);
      case "bot_command": return el("span", { class: "command" }, node);
      case "text_link": {
        const href = safeUrl(entity.url || "");
        return href ? el("a", { href, target: "_blank", rel: "noopener noreferrer" }, node) : node;
      }
      case "url": {
        const href = safeUrl(/^[a-z]+:\/\//i.test(whole) ? whole : `https://${whole}`);
        return href ? el("a", { href, target: "_blank", rel: "noopener noreferrer" }, node) : node;
      }
      case "email": return el("a", { href: `mailto:${whole}` }, node);
      default: return node;
    }
  }

  /** Text plus entities (offsets in UTF-16 code units, which is what JS strings index). */
  function renderText(text, entities) {
    const out = el("p", { class: "text" });
    if (!entities || !entities.length) {
      out.textContent = text;
      return out;
    }
    const cuts = new Set([0, text.length]);
    for (const e of entities) {
      cuts.add(Math.max(0, Math.min(text.length, e.offset)));
      cuts.add(Math.max(0, Math.min(text.length, e.offset + e.length)));
    }
    const points = [...cuts].sort((a, b) => a - b);
    for (let i = 0; i + 1 < points.length; i++) {
      const [from, to] = [points[i], points[i + 1]];
      let node = document.createTextNode(text.slice(from, to));
      for (const e of entities) {
        if (e.offset <= from && e.offset + e.length >= to) node = wrapEntity(node, e, text);
      }
      out.append(node);
    }
    return out;
  }

  // --- one user's chat ------------------------------------------------------------------------

  class ChatPane {
    constructor(userId, template) {
      this.userId = userId;
      this.name = userName(userId);
      this.seq = 0;
      this.zone = null;
      this.nodes = new Map();
      this.pending = new Map();
      this.followFocus = false;
      this.keyboardUser = false; // last press came from a keyboard or assistive technology
      this.scheduleTimer = null;
      this.toastTimer = null;
      this.typingTimer = null;

      const root = template.content.firstElementChild.cloneNode(true);
      const $ = (selector) => root.querySelector(selector);
      const uid = `u${userId}`;
      this.root = root;
      this.messages = $(".messages");
      this.status = $(".chat-status");
      this.scheduleLine = $(".schedule");
      this.jumpButton = $(".jump");
      this.toastBox = $(".toast");
      this.toastText = $(".toast-text");
      this.menuButton = $(".menu-button");
      this.menuPanel = $(".menu-panel");
      this.commandList = $(".command-list");
      this.locationPanel = $(".location-panel");
      this.replyKeyboard = $(".reply-keyboard");
      this.form = $(".composer");
      this.input = $(".message-input");

      root.setAttribute("aria-labelledby", `${uid}-title`);
      $(".chat-title").id = `${uid}-title`;
      $(".chat-of").textContent = ` (chat of user ${userId})`;
      $(".user-label").textContent = `${this.name} (user ${userId})`;
      this.messages.setAttribute("aria-label", `Messages between Backstep and ${this.name}`);
      this.announcer = el("p", { class: "visually-hidden", role: "status", "aria-live": "polite" });
      root.append(this.announcer);
      this.toastBox.removeAttribute("role");
      this.toastBox.removeAttribute("aria-live");
      this.input.id = `${uid}-message`;
      $(".message-label").setAttribute("for", this.input.id);
      $(".message-label").textContent = `Message to Backstep, as ${this.name}`;
      this.menuPanel.id = `${uid}-menu`;
      this.menuButton.setAttribute("aria-controls", this.menuPanel.id);
      this.menuButton.setAttribute("aria-label", "Menu: the bot's commands");
      this.menuPanel.setAttribute("aria-label", "The bot's commands");
      this.locationPanel.setAttribute("aria-label", "Share a location");
      this.replyKeyboard.setAttribute("aria-label", "Reply keyboard from Backstep");

      // Keep the newest message in view while the chat's box changes size (the schedule line
      // appears, a panel or reply keyboard opens), unless the user has scrolled up to read.
      this.pinned = true;
      this.messages.addEventListener("scroll", () => { this.pinned = this.nearEnd(); }, { passive: true });
      new ResizeObserver(() => { if (this.pinned) this.scrollToEnd(); }).observe(this.messages);

      this.form.addEventListener("submit", (event) => {
        event.preventDefault();
        this.sendTyped();
      });
      this.jumpButton.addEventListener("click", () => this.jump());
      $(".toast-close").addEventListener("click", () => this.hideToast());
      this.menuButton.addEventListener("click", () => this.toggleMenu());
      $(".share-demo").addEventListener("click", () => this.shareLocation(DEMO_LOCATION));
      $(".share-browser").addEventListener("click", () => this.shareBrowserLocation());
      $(".share-cancel").addEventListener("click", () => this.closeLocation(true));
      root.addEventListener("keydown", (event) => {
        if (event.key !== "Escape") return;
        if (!this.menuPanel.hidden) {
          this.closeMenu();
          this.menuButton.focus();
        } else if (!this.locationPanel.hidden) {
          this.closeLocation(true);
        } else if (!this.toastBox.hidden) {
          this.hideToast();
        }
      });
    }

    async start() {
      await this.reload();
      this.refreshSchedule();
      this.poll();
    }

    // -- reading the chat -------------------------------------------------------------------

    async reload() {
      const view = await api(`/_user/${this.userId}/view`);
      this.messages.replaceChildren();
      this.nodes.clear();
      for (const message of view.messages) this.upsert(message, { quiet: true });
      this.seq = view.last_seq;
      this.setReplyKeyboard(view.reply_keyboard);
      this.showEmptyNote();
      this.scrollToEnd();
    }

    async poll(failures = 0) {
      for (;;) {
        try {
          if (failures > 0) {
            await this.reload();
            clock.sync().catch(() => {});
          }
          const data = await api(
            `/_user/${this.userId}/chat?after=${this.seq}&timeout=${POLL_SECONDS}`,
          );
          if (failures > 0) {
            connection.ok();
            failures = 0;
          }
          if (data.events.length) {
            this.seq = data.last_seq;
            await this.apply(data.events);
          }
        } catch (err) {
          failures += 1;
          connection.lost();
          await sleep(Math.min(5000, 500 * failures));
        }
      }
    }

    async apply(events) {
      let keyboardMayChange = false;
      let botSpoke = false;
      for (const event of events) {
        const message = event.message;
        switch (event.kind) {
          case "message":
          case "user_message":
            this.upsert(message, { fresh: true });
            keyboardMayChange = true;
            if (message.from_bot) {
              botSpoke = true;
              this.stopTyping();
            }
            break;
          case "edit":
            this.upsert(message, { edited: true });
            this.clearPending(message.message_id);
            botSpoke = true;
            break;
          case "delete":
            this.remove(message.message_id);
            break;
          case "callback_answer":
            this.clearPending(event.answer.message_id);
            if (event.answer.text) this.toast(event.answer.text, event.answer.show_alert);
            break;
          case "chat_action":
            this.typing(event.action);
            break;
          default:
            break;
        }
      }
      this.showEmptyNote();
      if (botSpoke) this.refreshScheduleSoon();
      if (keyboardMayChange) {
        try {
          const view = await api(`/_user/${this.userId}/view`);
          this.setReplyKeyboard(view.reply_keyboard);
        } catch (err) {
          /* the next poll reports a lost connection */
        }
      }
    }

    nearEnd() {
      const box = this.messages;
      return box.scrollHeight - box.scrollTop - box.clientHeight < 120;
    }

    scrollToEnd() {
      this.messages.scrollTop = this.messages.scrollHeight;
    }

    /** Message times on the user's own clock, as their phone shows them (once the bot knows
        their time zone; the browser's until then). */
    retime() {
      for (const node of this.messages.querySelectorAll(".meta time")) {
        node.textContent = formatTime(new Date(node.dateTime), this.zone, false);
      }
    }

    upsert(message, options) {
      const follow = this.nearEnd() || !message.from_bot || options.quiet;
      const old = this.nodes.get(message.message_id);
      const node = this.renderMessage(message);
      this.nodes.set(message.message_id, node);
      if (old) {
        const focused = old.contains(document.activeElement) ? document.activeElement : null;
        old.replaceWith(node);
        if (options.edited) {
          node.classList.add("flash");
          setTimeout(() => node.classList.remove("flash"), 1300);
        }
        if (focused && focused.classList.contains("kb-button")) this.refocus(node, focused.textContent);
      } else {
        this.messages.append(node);
        const first = node.querySelector(".kb-button");
        if (this.followFocus && message.from_bot && first) {
          first.focus({ preventScroll: true });
          this.followFocus = false;
        }
      }
      if (follow) this.scrollToEnd();
    }

    /** After an edit replaced what had focus: the same button again, or the first one. */
    refocus(node, label) {
      const buttons = [...node.querySelectorAll(".kb-button")];
      const target = buttons.find((b) => b.textContent === label) || buttons[0];
      if (target) {
        target.focus({ preventScroll: true });
        this.followFocus = false;
      } else if (this.keyboardUser) {
        node.focus({ preventScroll: true });
        this.followFocus = true; // move on to the next message that brings buttons
      }
    }

    remove(messageId) {
      const node = this.nodes.get(messageId);
      if (!node) return;
      const hadFocus = node.contains(document.activeElement);
      node.remove();
      this.nodes.delete(messageId);
      if (hadFocus && this.keyboardUser) {
        this.messages.focus({ preventScroll: true });
        this.followFocus = true;
      }
    }

    showEmptyNote() {
      const existing = this.messages.querySelector(".empty-note");
      if (this.nodes.size > 0) {
        if (existing) existing.remove();
        return;
      }
      if (existing) return;
      const start = el("button", { type: "button", class: "kb-button", text: "Start" });
      start.addEventListener("click", () => this.send("/start"));
      this.messages.append(
        el(
          "div",
          { class: "empty-note" },
          el("p", { text: `A new chat between Backstep and ${this.name}. Press Start or type /start.` }),
          start,
        ),
      );
    }

    renderMessage(message) {
      const who = message.from_bot ? "bot" : "user";
      const node = el("article", {
        class: `msg ${who}`,
        tabindex: -1,
        "data-message-id": message.message_id,
      });
      const bubble = el("div", { class: "bubble" });
      bubble.append(el("span", { class: "visually-hidden", text: message.from_bot ? "Backstep: " : "You: " }));
      const file = message.file;
      if (message.kind === "photo" && file && file.url) {
        const img = el("img", {
          src: file.url,
          alt: message.text ? "Picture from Backstep, described by its caption below" : "Picture from Backstep",
          width: file.width,
          height: file.height,
        });
        img.addEventListener("load", () => {
          if (this.nearEnd()) this.scrollToEnd();
        });
        bubble.append(
          el(
            "figure",
            { class: "photo" },
            el("a", { href: file.url, target: "_blank", rel: "noopener", "aria-label": "Open the picture in full size" }, img),
          ),
        );
      } else if (message.kind === "animation" && file && file.url) {
        // An exercise animation: a looping GIF, shown like Telegram shows a GIF.
        const img = el("img", {
          src: file.url,
          alt: "Animation of the exercise",
          width: file.width,
          height: file.height,
        });
        img.addEventListener("load", () => {
          if (this.nearEnd()) this.scrollToEnd();
        });
        bubble.append(el("figure", { class: "photo animation" }, img));
      } else if (message.kind === "document" && file && file.url) {
        const name = file.file_name || "file";
        bubble.append(
          el(
            "a",
            { class: "document", href: file.url, download: name },
            el("span", { class: "doc-icon", "aria-hidden": "true" }, icon("download")),
            el(
              "span",
              {},
              el("span", { class: "doc-name", text: `Download ${name}` }),
              el("span", { class: "doc-size", text: [formatSize(file.file_size), file.mime_type].filter(Boolean).join(" · ") }),
            ),
          ),
        );
      } else if (message.kind === "location" && message.location) {
        const { latitude, longitude } = message.location;
        bubble.append(
          el("p", { class: "location" }, icon("pin"), ` Location ${latitude.toFixed(5)}, ${longitude.toFixed(5)}`),
        );
      }
      if (message.text) bubble.append(renderText(message.text, message.entities));
      const when = new Date(message.date * 1000);
      bubble.append(
        el(
          "span",
          { class: "meta" },
          message.edit_date ? el("span", { class: "edited", text: "edited" }) : null,
          el("time", { datetime: when.toISOString(), text: formatTime(when, this.zone, false) }),
        ),
      );
      node.append(bubble);
      if (message.buttons && message.buttons.length) node.append(this.renderKeyboard(message));
      return node;
    }

    renderKeyboard(message) {
      const keyboard = el("div", { class: "keyboard", role: "group", "aria-label": "Buttons under this message" });
      for (const row of message.buttons) {
        const line = el("div", { class: "kb-row" });
        for (const button of row) {
          if (button.url) {
            const href = safeUrl(button.url);
            line.append(
              el(
                "a",
                { class: "kb-button", href: href || "#", target: "_blank", rel: "noopener noreferrer" },
                button.text,
                el("span", { "aria-hidden": "true", text: " ↗" }),
              ),
            );
          } else {
            const node = el("button", { type: "button", class: "kb-button", text: button.text });
            node.addEventListener("click", (event) => {
              // detail is 0 when a keyboard or a screen reader "clicked": keep their focus going
              this.keyboardUser = event.detail === 0;
              this.press(message.message_id, button.callback_data, node);
            });
            line.append(node);
          }
        }
        keyboard.append(line);
      }
      return keyboard;
    }

    // -- what the user does ------------------------------------------------------------------

    async press(messageId, data, button) {
      if (button.getAttribute("aria-busy") === "true") return;
      button.setAttribute("aria-busy", "true");
      this.pending.set(messageId, button);
      setTimeout(() => this.clearPending(messageId, button), PENDING_MS);
      try {
        await api(`/_user/${this.userId}/press`, { message_id: messageId, data });
      } catch (err) {
        this.clearPending(messageId);
        this.toast(`That button did nothing: ${err.message}`, false);
      }
    }

    clearPending(messageId, only) {
      const button = this.pending.get(messageId);
      if (!button || (only && button !== only)) return;
      button.removeAttribute("aria-busy");
      this.pending.delete(messageId);
    }

    sendTyped() {
      const text = this.input.value;
      if (!text.trim()) return;
      this.input.value = "";
      this.send(text).then((sent) => {
        if (!sent && !this.input.value) this.input.value = text;
      });
    }

    async send(text) {
      try {
        await api(`/_user/${this.userId}/send`, { text, first_name: this.name });
        return true;
      } catch (err) {
        this.toast(`Not sent: ${err.message}`, true);
        return false;
      }
    }

    // -- reply keyboard and location ---------------------------------------------------------

    setReplyKeyboard(rows) {
      this.replyKeyboard.replaceChildren();
      if (!rows || !rows.length) {
        this.replyKeyboard.hidden = true;
        this.closeLocation(false);
        return;
      }
      for (const row of rows) {
        const line = el("div", { class: "reply-row" });
        for (const button of row) {
          const wantsLocation = Boolean(button.request_location);
          const node = el("button", { type: "button", class: "reply-button" });
          if (wantsLocation) node.append(icon("pin"), " ");
          node.append(button.text);
          node.addEventListener("click", () => (wantsLocation ? this.openLocation() : this.send(button.text)));
          line.append(node);
        }
        this.replyKeyboard.append(line);
      }
      this.replyKeyboard.hidden = false;
    }

    openLocation() {
      this.closeMenu();
      this.locationPanel.hidden = false;
      this.locationPanel.querySelector("button").focus();
    }

    closeLocation(refocus) {
      if (this.locationPanel.hidden) return;
      this.locationPanel.hidden = true;
      if (refocus) this.input.focus();
    }

    async shareLocation(place) {
      try {
        await api(`/_user/${this.userId}/location`, { latitude: place.latitude, longitude: place.longitude });
        this.closeLocation(false);
        this.input.focus({ preventScroll: true });
      } catch (err) {
        this.toast(`Location not sent: ${err.message}`, true);
      }
    }

    shareBrowserLocation() {
      if (!navigator.geolocation) {
        this.toast("This browser has no location service; send the demo location instead.", true);
        return;
      }
      this.announce("Asking the browser for your location…");
      navigator.geolocation.getCurrentPosition(
        (position) => this.shareLocation(position.coords),
        (error) => this.toast(`The browser gave no location (${error.message || "refused"}). Try the demo location.`, true),
        { timeout: 15000, maximumAge: 600000 },
      );
    }

    // -- the command menu --------------------------------------------------------------------

    async toggleMenu() {
      if (!this.menuPanel.hidden) {
        this.closeMenu();
        return;
      }
      let commands = [];
      try {
        commands = (await api("/_user/commands")).commands;
      } catch (err) {
        this.toast(`No command menu: ${err.message}`, false);
        return;
      }
      this.commandList.replaceChildren();
      for (const command of commands) {
        const button = el(
          "button",
          { type: "button" },
          el("span", { class: "cmd", text: `/${command.command}` }),
          el("span", { class: "desc", text: command.description }),
        );
        button.addEventListener("click", () => {
          this.closeMenu();
          this.send(`/${command.command}`);
          this.input.focus({ preventScroll: true });
        });
        this.commandList.append(el("li", {}, button));
      }
      if (!commands.length) this.commandList.append(el("li", { text: "The bot has not published any commands." }));
      this.closeLocation(false);
      this.menuPanel.hidden = false;
      this.menuButton.setAttribute("aria-expanded", "true");
      const first = this.commandList.querySelector("button");
      if (first) first.focus();
    }

    closeMenu() {
      this.menuPanel.hidden = true;
      this.menuButton.setAttribute("aria-expanded", "false");
    }

    // -- the clock and the schedule ----------------------------------------------------------

    async jump() {
      if (this.jumpButton.getAttribute("aria-busy") === "true") return;
      this.jumpButton.setAttribute("aria-busy", "true");
      try {
        const before = clock.now();
        const result = await api(`/_sandbox/${this.userId}/jump`, {});
        await clock.sync();
        if (!result.due_at) {
          this.toast(`Nothing is scheduled for ${this.name} yet: finish onboarding (/start) first.`, false);
        } else {
          const due = new Date(result.due_at);
          const zone = this.zone ? ` (${this.zone})` : "";
          this.toast(
            due > before
              ? `Sandbox clock moved to ${formatTime(due, this.zone, true)}${zone}: time for the ${result.kind}.`
              : `The ${result.kind} was already due: sending it now.`,
            false,
          );
        }
        for (const pane of panes) pane.refreshSchedule();
      } catch (err) {
        this.toast(`Could not jump: ${err.message}`, true);
      } finally {
        this.jumpButton.removeAttribute("aria-busy");
      }
    }

    refreshScheduleSoon() {
      clearTimeout(this.scheduleTimer);
      this.scheduleTimer = setTimeout(() => this.refreshSchedule(), 400);
    }

    async refreshSchedule() {
      let data;
      try {
        data = await api(`/_sandbox/${this.userId}/schedule`);
      } catch (err) {
        return;
      }
      const zone = data.timezone || null;
      if (zone !== this.zone) {
        this.zone = zone;
        this.retime();
      }
      if (data.next_reminder_at || data.next_weekly_at) {
        const parts = [];
        if (data.next_reminder_at) {
          parts.push(`Next reminder: ${formatTime(new Date(data.next_reminder_at), this.zone, true)}`);
        }
        if (data.next_weekly_at) {
          parts.push(`weekly summary: ${formatTime(new Date(data.next_weekly_at), this.zone, true)}`);
        }
        const paused = data.status === "paused" ? " · program paused" : "";
        this.scheduleLine.textContent = `${parts.join(" · ")} (${data.timezone})${paused}`;
      } else if (data.status === null) {
        this.scheduleLine.textContent = "";
      } else {
        this.scheduleLine.textContent = "No reminder scheduled yet.";
      }
    }

    // -- feedback ----------------------------------------------------------------------------

    typing(action) {
      this.status.textContent = action === "upload_photo" ? "sending a picture…" : action === "upload_document" ? "sending a file…" : "typing…";
      this.status.classList.add("typing");
      clearTimeout(this.typingTimer);
      this.typingTimer = setTimeout(() => this.stopTyping(), 5000);
    }

    stopTyping() {
      clearTimeout(this.typingTimer);
      this.status.textContent = "bot";
      this.status.classList.remove("typing");
    }

    announce(text) {
      this.announcer.textContent = "";
      setTimeout(() => {
        this.announcer.textContent = text;
      }, 50);
    }

    toast(text, sticky) {
      clearTimeout(this.toastTimer);
      this.toastText.textContent = text;
      this.toastBox.classList.toggle("alert", Boolean(sticky));
      this.toastBox.hidden = false;
      this.announce(text);
      if (!sticky) this.toastTimer = setTimeout(() => this.hideToast(), TOAST_MS);
    }

    hideToast() {
      clearTimeout(this.toastTimer);
      this.toastBox.hidden = true;
    }
  }

  // --- the page ---------------------------------------------------------------------------------

  function renderUserLinks(current) {
    const list = document.getElementById("user-links");
    const choices = [[1], [2], [3], [1, 2]];
    const currentKey = current.join(",");
    for (const ids of choices) {
      const key = ids.join(",");
      const label = ids.length > 1 ? `Users ${ids.join(" + ")} side by side` : `User ${key} (${userName(ids[0])})`;
      const link = el("a", { href: `?user=${key}`, text: label });
      if (key === currentKey) link.setAttribute("aria-current", "page");
      list.append(el("li", {}, link));
    }
  }

  async function main() {
    const ids = parseUsers(window.location.search);
    document.title = `Backstep sandbox — ${ids.map((id) => `user ${id}`).join(", ")}`;
    renderUserLinks(ids);
    const template = document.getElementById("chat-template");
    const container = document.getElementById("chats");
    for (const id of ids) {
      const pane = new ChatPane(id, template);
      panes.push(pane);
      container.append(pane.root);
    }
    setInterval(() => clock.render(), 1000);
    try {
      await clock.sync();
    } catch (err) {
      connection.lost();
    }
    await Promise.all(
      panes.map((pane) =>
        pane.start().catch(() => {
          connection.lost();
          pane.poll(1);
        }),
      ),
    );
  }

  document.addEventListener("DOMContentLoaded", main);
})();
