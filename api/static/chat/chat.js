// The chat page's behaviour: one conversation over WS /v1/chat, kept across dropped
// connections and reloads.
//
// - A socket is opened with a single-use ticket (POST /v1/chat/tickets): signed in with the
//   pasted token (kept in this page's memory only), else as the anonymous visitor the server's
//   HttpOnly cookie names.
// - The session id is kept once the conversation has begun (in sessionStorage for the
//   anonymous visitor, so a reload resumes it too); a reconnect asks for it again, and the
//   server, which serves it to its owner only, answers with a `history` frame that the page
//   draws afresh.
// - A dropped socket is reopened with growing pauses (0.5 s up to 4 s); the input is never
//   locked: an error or a drop ends the turn in progress.
"use strict";

const ShopChat = (() => {
  const R = ShopRender;
  const SAVED = "shopagent-session";
  const state = {
    token: null, role: null, session: null, offered: null, socket: null, generation: 0, retries: 0,
    timer: null, busy: false, turn: null, intro: null, refused: false,
  };
  let $ = {};

  // ------------------------------------------------------------------------------ drawing

  function scrollToEnd() {
    window.scrollTo(0, document.documentElement.scrollHeight);
  }

  function addUser(text) {
    const bubble = R.el("div", { class: "turn user" });
    bubble.append(R.el("p", { class: "text" }, text));
    $.log.append(bubble);
    scrollToEnd();
  }

  function addBot() {
    const bubble = R.el("div", { class: "turn bot" });
    const did = R.didBox();
    const text = R.el("p", { class: "text" });
    bubble.append(did.box, text);
    $.log.append(bubble);
    return { bubble, did, text, calls: new Map() };
  }

  function addError(text) {
    const bubble = R.el("div", { class: "turn error" });
    bubble.append(R.el("p", { class: "text" }, text));
    $.log.append(bubble);
    scrollToEnd();
  }

  function addNote(text) {
    $.log.append(R.el("p", { class: "note" }, text));
    scrollToEnd();
  }

  // Suggestions and yes / no belong to the latest answer only.
  function clearOffers() {
    for (const row of $.log.querySelectorAll(".replies, .confirm")) row.remove();
  }

  function currency() {
    return state.intro ? state.intro.currency : "GBP";
  }

  // An answer's text, cards and offers; ``latest`` answers get suggestions or yes / no.
  function finish(turn, answer, latest) {
    turn.text.textContent = answer.text || "";
    turn.bubble.removeAttribute("aria-busy");
    for (const [, line] of turn.calls) {
      if (line.className === "running") {
        const status = answer.confirm ? "asked" : "failed";
        line.replaceWith(R.toolLine(line.dataset.name, line.args, status, currency()));
      }
    }
    if (answer.products && answer.products.length) {
      const cards = R.el("div", { class: "cards" });
      for (const product of answer.products) cards.append(R.productCard(product, currency(), ask));
      turn.bubble.append(cards);
    }
    if (latest && answer.confirm) {
      turn.bubble.append(R.confirmButtons(ask));
    } else if (latest) {
      const phrases = R.hints(answer.text);
      if (phrases.length) turn.bubble.append(R.replies(phrases, ask));
    }
    scrollToEnd();
    // A confirmation's whole summary must be on screen, its first line too.
    if (answer.confirm && turn.bubble.getBoundingClientRect().top < 0) {
      turn.bubble.scrollIntoView({ block: "start" });
    }
  }

  function addCall(turn, name, args, status) {
    const line = R.toolLine(name, args, status, currency());
    line.args = args;
    turn.did.steps.append(line);
    R.countSteps(turn.did);
    return line;
  }

  function greet() {
    const intro = state.intro;
    const turn = addBot();
    const kinds = intro && intro.kinds.length ? ` such as ${intro.kinds.join(", ")}` : "";
    const mine = state.role === "shopper"
      ? " You are signed in, so I can also pick products for you and look up your orders."
      : " Sign in to get picks for you and to see your orders.";
    turn.text.textContent =
      `Hello! I'm the shop's assistant. I can find products${kinds}, tell you about them ` +
      `and check their stock.${mine} What are you looking for?`;
    const offers = [];
    if (intro) offers.push(intro.example);
    offers.push("what's trending?");
    if (intro && intro.kinds.length > 1) offers.push(`show me ${intro.kinds[1]}`);
    if (state.role === "shopper") offers.push("recommend something for me", "show my orders");
    offers.push("help");
    turn.bubble.append(R.replies(offers, ask));
  }

  function drawHistory(messages) {
    $.log.replaceChildren();
    state.turn = null;
    if (!messages.length) {
      greet();
      return;
    }
    messages.forEach((message, i) => {
      if (message.role === "user") {
        addUser(message.text);
        return;
      }
      const turn = addBot();
      for (const tool of message.tools) addCall(turn, tool.name, tool.args, tool.status);
      finish(turn, message, i === messages.length - 1);
    });
  }

  // ------------------------------------------------------------------------------ turns

  function setBusy(busy) {
    state.busy = busy;
    $.send.disabled = busy;
    $.typing.hidden = !busy;
  }

  function endTurn() {
    state.turn = null;
    setBusy(false);
  }

  function currentTurn() {
    if (!state.turn) {
      state.turn = addBot();
      state.turn.bubble.setAttribute("aria-busy", "true");
    }
    return state.turn;
  }

  // Send ``text`` as the shopper's message; false when it cannot go now (nothing is lost:
  // the caller keeps it in the box).
  function ask(text) {
    text = String(text).trim();
    if (!text) return false;
    const socket = state.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      if (!$.text.value.trim()) $.text.value = text;
      addNote("Not connected right now; reconnecting. Your message is kept in the box: send it again in a moment.");
      return false;
    }
    if (state.busy) return false;
    const hadFocus = document.activeElement && document.activeElement.closest(".replies, .confirm, .card");
    clearOffers();
    addUser(text);
    state.turn = null;
    setBusy(true);
    socket.send(JSON.stringify({ type: "message", text }));
    keep();
    if (hadFocus) $.text.focus({ preventScroll: true });
    return true;
  }

  const EXPLAIN = {
    too_large: "That message is too long",
    empty_text: "That message is empty",
    rate_limited: "Too many messages at once",
    upstream: "A service the assistant needs did not answer",
    internal: "The assistant failed on that message",
    token_expired: "Your sign-in has expired",
    history_unavailable: "The conversation so far cannot be shown",
  };

  function onFrame(frame) {
    switch (frame.type) {
      case "session":
        state.offered = frame.session_id;
        state.role = frame.role;
        showWho();
        setStatus("online", "connected");
        if (!$.log.querySelector(".turn.user, .turn.bot")) greet();
        break;
      case "history":
        keep();
        drawHistory(frame.messages || []);
        break;
      case "token":
        currentTurn().text.textContent += frame.text;
        break;
      case "tool_call": {
        const turn = currentTurn();
        const line = addCall(turn, frame.name, frame.args, "running");
        turn.calls.set(frame.id, line);
        break;
      }
      case "tool_result": {
        const turn = currentTurn();
        const line = turn.calls.get(frame.id);
        if (!line) break;
        const declined = frame.is_error && /did not confirm/.test(String(frame.output));
        const status = declined ? "declined" : frame.is_error ? "failed" : "done";
        const done = R.toolLine(frame.name, line.args, status, currency());
        done.args = line.args;
        line.replaceWith(done);
        turn.calls.set(frame.id, done);
        break;
      }
      case "message":
        finish(currentTurn(), frame, true);
        break;
      case "error":
        if (frame.code === "session_refused" || frame.code === "session_expired") {
          state.refused = true;  // the socket closes; a new conversation is opened
          break;
        }
        if (state.turn) finish(state.turn, { text: state.turn.text.textContent }, false);
        addError(`${EXPLAIN[frame.code] || "Something went wrong"}: ${frame.message}`);
        endTurn();
        break;
      case "done":
        endTurn();
        break;
    }
  }

  // --------------------------------------------------------------------------- connection

  function setStatus(kind, text) {
    $.status.dataset.state = kind;
    $.status.textContent = text;
  }

  function showWho() {
    const signedIn = state.role && state.role !== "anonymous";
    $.who.textContent = signedIn ? `Signed in (${state.role})` : "";
    $.picks.hidden = $.orders.hidden = state.role !== "shopper";
    $.signout.hidden = !state.token;
    $.signinToggle.hidden = Boolean(state.token);
  }

  function closeSocket() {
    state.generation += 1;  // a connect still under way is dropped
    clearTimeout(state.timer);
    const socket = state.socket;
    state.socket = null;
    if (socket) socket.close();
    endTurn();
  }

  // The server records a session at its first message; only then can it be resumed.
  function keep() {
    state.session = state.offered;
    if (!state.token) sessionStorage.setItem(SAVED, state.offered);
  }

  function forgetSession() {
    state.session = null;
    if (!state.token) sessionStorage.removeItem(SAVED);
  }

  function retryLater() {
    const wait = Math.min(4000, 500 * 2 ** state.retries);
    state.retries += 1;
    setStatus("offline", "connection lost; reconnecting…");
    clearTimeout(state.timer);
    state.timer = setTimeout(() => connect(true), wait);
  }

  async function detail(answer) {
    const body = await answer.json().catch(() => ({}));
    return typeof body.detail === "string" ? body.detail : answer.statusText;
  }

  async function connect(resume) {
    const generation = ++state.generation;
    clearTimeout(state.timer);
    const headers = state.token ? { Authorization: `Bearer ${state.token}` } : {};
    let answer;
    try {
      answer = await fetch("/v1/chat/tickets", { method: "POST", headers });
    } catch (err) {
      if (generation === state.generation) retryLater();
      return;
    }
    if (generation !== state.generation) return;  // replaced (new chat, sign-in) meanwhile
    if (!answer.ok) {
      const reason = await detail(answer);
      if (state.token && (answer.status === 401 || answer.status === 403)) {
        addError(`Sign-in failed: ${reason}`);
        state.token = null;
        state.session = null;
        showWho();
        connect(true);
      } else {
        addError(`Cannot open the chat: ${reason}`);
        retryLater();
      }
      return;
    }
    const { ticket } = await answer.json();
    if (generation !== state.generation) return;
    const session = resume ? state.session || (!state.token && sessionStorage.getItem(SAVED)) : null;
    let query = `?ticket=${encodeURIComponent(ticket)}`;
    if (session) query += `&session=${encodeURIComponent(session)}`;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/v1/chat${query}`);
    state.socket = socket;
    socket.onopen = () => { state.retries = 0; };
    socket.onmessage = (event) => {
      if (socket === state.socket) onFrame(JSON.parse(event.data));
    };
    socket.onclose = () => {
      if (socket !== state.socket) return;  // closed on purpose
      state.socket = null;
      if (state.busy) {
        if (state.turn) finish(state.turn, { text: state.turn.text.textContent }, false);
        addError("The connection dropped before the answer was finished; ask again once reconnected.");
        endTurn();
      }
      if (state.refused) {
        state.refused = false;
        forgetSession();
        $.log.replaceChildren();
        addNote("That conversation is no longer available; here is a new one.");
        connect(false);
        return;
      }
      retryLater();
    };
  }

  // ------------------------------------------------------------------------------ controls

  function startOver(note) {
    closeSocket();
    $.log.replaceChildren();
    if (note) addNote(note);
    showWho();
  }

  function wire(doc) {
    const id = (name) => doc.getElementById(name);
    $ = {
      log: id("log"), text: id("text"), send: id("send"), form: id("form"), status: id("status"),
      typing: id("typing"), who: id("who"), picks: id("my-picks"), orders: id("my-orders"),
      newChat: id("new-chat"), signinToggle: id("signin-toggle"), signin: id("signin"),
      token: id("token"), signout: id("signout"),
    };
    $.form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (ask($.text.value)) $.text.value = "";
    });
    $.picks.addEventListener("click", () => ask("recommend something for me"));
    $.orders.addEventListener("click", () => ask("show my orders"));
    $.newChat.addEventListener("click", () => {
      startOver();
      forgetSession();
      connect(false);
    });
    $.signinToggle.addEventListener("click", () => {
      const open = $.signin.hidden;
      $.signin.hidden = !open;
      $.signinToggle.setAttribute("aria-expanded", String(open));
      if (open) $.token.focus();
    });
    $.signin.addEventListener("submit", (event) => {
      event.preventDefault();
      const token = $.token.value.trim();
      $.token.value = "";
      if (!token) return;
      $.signin.hidden = true;
      $.signinToggle.setAttribute("aria-expanded", "false");
      state.token = token;
      state.session = null;
      startOver();
      connect(false);
    });
    $.signout.addEventListener("click", () => {
      state.token = null;
      state.session = null;
      state.role = null;
      startOver();
      connect(true);  // back to this visitor's own anonymous conversation, if any
    });
  }

  async function loadIntro() {
    try {
      const answer = await fetch("/chat/intro");
      if (answer.ok) state.intro = await answer.json();
    } catch (err) {
      return;  // the greeting does without the store's own examples
    }
    if (state.intro) $.text.placeholder = `Ask for something, e.g. ${state.intro.example}`;
  }

  async function start(doc) {
    wire(doc);
    setBusy(false);
    await loadIntro();
    connect(true);
  }

  return { start };
})();
